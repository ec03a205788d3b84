// Stations coloured by state, clustered by the server for the visible area and zoom
// (map/clusters.json: at most ~1,000 clusters whatever the number of stations, well under 100 KB
// for a phone). Each cluster carries its count of stations in every state: it is drawn as a pie
// of those states, and the legend's counts are the view's, so the colours are true at every zoom.
// Everything shown is built with DOM APIs and textContent: no markup is made from data.
(function () {
  var element = document.getElementById("station-map");
  if (!element || !window.L) return;
  var colours = { flagged: "#b42318", protocol: "#1a7f37", checked_in: "#0b5cad", deployed: "#9a6700", none: "#8c959f" };
  var map = L.map(element, { preferCanvas: true }).setView([48, 67], 5);
  if (element.dataset.extent) {  // where the stations in scope are: [south, west, north, east]
    var extent = element.dataset.extent.split(",").map(Number);
    map.fitBounds([[extent[0], extent[1]], [extent[2], extent[3]]], { maxZoom: 12, animate: false });
  }
  L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 18 }).addTo(map);
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

  function clusterMarker(cluster, states) {
    var icon = document.createElement("div");
    icon.className = "map-cluster";
    icon.style.background = pie(cluster[3], states, cluster[2]);
    var count = document.createElement("span");
    count.textContent = cluster[2].toLocaleString();
    icon.appendChild(count);
    var size = cluster[2] < 10 ? 32 : cluster[2] < 1000 ? 40 : 48;
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
    data.clusters.forEach(function (cluster) {
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
      .then(function (response) { return response.json(); })
      .then(draw)
      .catch(function (error) { if (error.name !== "AbortError") throw error; });
  }

  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  });
  load();
})();
