"""The map's grid clustering, as plain arithmetic (no Django): which cell size a view gets.

The server clusters stations for the visible area and zoom (dashboard.selectors.
station_map_clusters: one GROUP BY over the stations snapped to this grid), so what a phone
downloads depends on its screen, not on the number of stations: at most MAX_CELLS clusters.
"""

import math
from dataclasses import dataclass

CELLS_PER_TILE = 4
"""A 256-pixel map tile is cut in 4 x 4 cells: a cluster stands for about 64 x 64 pixels."""
MAX_CELLS = 1024
"""However large the area asked for, at most this many cells (about 60 bytes each in JSON)."""
MAX_ZOOM = 18


class GridError(ValueError):
    pass


@dataclass(frozen=True)
class View:
    west: float
    south: float
    east: float
    north: float
    zoom: int


def parse_view(bbox, zoom):
    """`bbox` "west,south,east,north" in degrees and `zoom` (0-18), as the map sends them."""
    try:
        west, south, east, north = (float(part) for part in (bbox or "").split(","))
        zoom = int(zoom)
    except (TypeError, ValueError):
        raise GridError("bbox must be west,south,east,north and zoom a whole number") from None
    if not all(math.isfinite(value) for value in (west, south, east, north)):
        raise GridError("bbox must be finite numbers")
    west, east = max(-180.0, west), min(180.0, east)
    south, north = max(-90.0, south), min(90.0, north)
    if west >= east or south >= north or not 0 <= zoom <= MAX_ZOOM:
        raise GridError("bbox must have west < east and south < north, zoom 0-18")
    return View(west, south, east, north, zoom)


def cell_degrees(view):
    """The side of a grid cell for this view, in degrees: a quarter tile at its zoom (about 40 m
    at zoom 18, where a cluster is one building), doubled until the view holds at most MAX_CELLS."""
    cell = 360.0 / (2 ** view.zoom) / CELLS_PER_TILE
    while cells_in(view, cell) > MAX_CELLS:
        cell *= 2
    return cell


def cells_in(view, cell):
    columns = math.floor(view.east / cell) - math.floor(view.west / cell) + 1
    rows = math.floor(view.north / cell) - math.floor(view.south / cell) + 1
    return columns * rows
