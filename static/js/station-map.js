// Stations coloured by state, clustered by the server for the visible area and zoom
// (map/clusters.json: at most ~1,000 clusters whatever the number of stations, well under 100 KB
// for a phone). Each cluster carries its count of stations in every state: it is drawn as a pie
// of those states, and the legend's counts are the view's, so the colours are true at every zoom.
// Everything shown is built with DOM APIs and textContent: no markup is made from data.
(function () {
  var element = document.getElementById("station-map");
  if (!element || !window.L) return;
  var colours = { flagged: "#b42318", protocol: "#1a7f37", checked_in: "#0b5cad", deployed: "#9a6700", none: "#656d76" };
  var map = L.map(element, { preferCanvas: true, zoomControl: false }).setView([48, 67], 5);
  // Leaflet's own zoom buttons say "Zoom in" in every language: their titles come from the page.
  L.control.zoom({ zoomInTitle: element.dataset.label_zoom_in, zoomOutTitle: element.dataset.label_zoom_out }).addTo(map);
  if (element.dataset.extent) {  // where the stations in scope are: [south, west, north, east]
    var extent = element.dataset.extent.split(",").map(Number);
    map.fitBounds([[extent[0], extent[1]], [extent[2], extent[3]]], { maxZoom: 12, animate: false });
  }
  // detectRetina: a phone's screen has 2-3 pixels per CSS pixel; tiles drawn at half size one zoom
  // deeper stay sharp there (the map is a coordinator's page, not one of the observer's light ones).
  L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 18, detectRetina: true })
    .addTo(map);
  var layer = L.layerGroup().addTo(map);
  var pending = null;
  var timer = null;

  function label(state) { return element.dataset["label_" + state] || state; }

  function firstState(counts, states) {
    for (var index = 0; index < counts.length; index++) if (counts[index] > 0) return states[index];
    return "none";
  }

  // A conic gradient through the CSS object model (a strict CSP forbids style attributes, not this).
  function pie(counts, states, total) {
    var stops = [], start = 0;
    counts.forEach(function (count, index) {
      if (!count) return;
      var end = start + 360 * count / total;
      stops.push(colours[states[index]] + " " + start.toFixed(1) + "deg " + end.toFixed(1) + "deg");
      start = end;
    });
    return "conic-gradient(" + stops.join(", ") + ")";
  }

  function summary(cluster, states) {
    var parts = [];
    cluster[3].forEach(function (count, index) {
      if (count) parts.push(label(states[index]) + ": " + count.toLocaleString());
    });
    return cluster[2].toLocaleString() + " " + element.dataset.label_stations + " (" + parts.join(", ") + ")";
  }

  function stationPopup(cluster, state) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = element.dataset.station.replace("999999999", String(cluster[4]));
    link.textContent = cluster[5];
    box.appendChild(link);
    box.appendChild(document.createTextNode(" · " + label(state)));
    return box;
  }

  function iconSize(stations) { return stations < 10 ? 32 : stations < 1000 ? 40 : 48; }

  // The server's grid puts two clusters of neighbouring cells close together now and then: drawn
  // as they come, one icon would cover the other (a target too small to tap). A cluster whose icon
  // would touch a bigger one's joins it: its stations and their states are added there.
  function apart(clusters) {
    var placed = [];
    clusters.slice().sort(function (a, b) { return b[2] - a[2]; }).forEach(function (cluster) {
      if (cluster[4] !== null) { placed.push({ cluster: cluster }); return; }  // one station: a dot, not an icon
      var point = map.latLngToLayerPoint([cluster[0], cluster[1]]);
      var near = placed.filter(function (other) {
        return other.point && other.point.distanceTo(point) < (iconSize(other.cluster[2]) + iconSize(cluster[2])) / 2 + 4;
      })[0];
      if (!near) { placed.push({ cluster: cluster.slice(), point: point }); return; }
      near.cluster[2] += cluster[2];
      near.cluster[3] = near.cluster[3].map(function (count, index) { return count + cluster[3][index]; });
    });
    return placed.map(function (item) { return item.cluster; });
  }

  function clusterMarker(cluster, states) {
    var icon = document.createElement("div");
    icon.className = "map-cluster";
    icon.style.background = pie(cluster[3], states, cluster[2]);
    var count = document.createElement("span");
    count.textContent = cluster[2].toLocaleString();
    icon.appendChild(count);
    var size = iconSize(cluster[2]);
    var marker = L.marker([cluster[0], cluster[1]], {
      icon: L.divIcon({ html: icon, className: "map-cluster-icon", iconSize: [size, size] }),
      title: summary(cluster, states), alt: summary(cluster, states), keyboard: true,
    });
    marker.on("click", function () {
      map.setView([cluster[0], cluster[1]], Math.min(map.getZoom() + 2, 18));
    });
    return marker;
  }

  function draw(data) {
    layer.clearLayers();
    apart(data.clusters).forEach(function (cluster) {
      if (cluster[4] !== null) {
        var state = firstState(cluster[3], data.states);
        var marker = L.circleMarker([cluster[0], cluster[1]], { radius: 7, color: colours[state], fillOpacity: 0.8, weight: 1 });
        marker.bindPopup(stationPopup(cluster, state));
        layer.addLayer(marker);
      } else {
        layer.addLayer(clusterMarker(cluster, data.states));
      }
    });
    document.getElementById("map-count").textContent = data.stations.toLocaleString();
    data.states.forEach(function (state, index) {
      var counter = document.querySelector('[data-legend-count="' + state + '"]');
      if (counter) counter.textContent = data.counts[index].toLocaleString();
    });
  }

  function load() {
    if (pending) pending.abort();
    pending = new AbortController();
    var bounds = map.getBounds();
    var bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (value) { return value.toFixed(5); }).join(",");
    var url = element.dataset.clusters + "?zoom=" + map.getZoom() + "&bbox=" + encodeURIComponent(bbox);
    fetch(url, { credentials: "same-origin", signal: pending.signal })
      .then(function (response) {
        // An ended session answers with the login page (a redirect): say so instead of failing.
        if (!response.ok || response.redirected) throw new Error("clusters " + response.status);
        return response.json();
      })
      .then(draw)
      .catch(function (error) {
        if (error.name === "AbortError") return;
        var status = document.getElementById("map-status");
        status.textContent = element.dataset.label_unavailable;
        status.hidden = false;
      });
  }

  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  });
  load();
})();
