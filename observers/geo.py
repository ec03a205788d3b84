"""Distances on the Earth's surface, for check-ins far from their station. Pure."""

import math

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle (haversine) distance in metres between two points in degrees."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lon2) - float(lon1))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def is_far(distance, accuracy, threshold):
    """Far when even the most favourable reading of the GPS error puts the phone beyond the
    threshold: a 300 m accuracy circle 1.1 km away is not proof of being elsewhere."""
    return distance - (accuracy or 0) > threshold


# A check-in's distance to its station, as much as someone who may not see a position learns.
DISTANCE_BANDS = ((100, "0-100 m"), (500, "100-500 m"), (2000, "500 m-2 km"))
FARTHEST_BAND = "over 2 km"


def distance_band(distance):
    """The band ("100-500 m") a distance in metres falls in; None when unknown."""
    if distance is None:
        return None
    for limit, band in DISTANCE_BANDS:
        if distance <= limit:
            return band
    return FARTHEST_BAND
