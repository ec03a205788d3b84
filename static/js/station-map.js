// Stations coloured by state, clustered so 100,000 points stay smooth on a phone. The points come
// as one compact array ([id, code, lat, lon, state]); markers are light circle markers.
(function () {
  var element = document.getElementById("station-map");
  if (!element || !window.L) return;
  var colours = { flagged: "#b42318", protocol: "#1a7f37", checked_in: "#0b5cad", deployed: "#9a6700", none: "#8c959f" };
  var map = L.map(element, { preferCanvas: true }).setView([48, 67], 5);
  L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 18 }).addTo(map);
  var clusters = L.markerClusterGroup({ chunkedLoading: true, disableClusteringAtZoom: 15 });
  // The popup is built as DOM nodes, the station's code as text: a code from an imported file is
  // data, never markup (Leaflet would parse a string as HTML).
  function popup(point, state) {
    var content = document.createElement("span");
    var link = document.createElement("a");
    link.href = element.dataset.station.replace("999999999", String(Number(point[0])));
    link.textContent = point[1];
    content.appendChild(link);
    content.appendChild(document.createTextNode(" · " + (element.dataset["label_" + state] || "")));
    return content;
  }
  fetch(element.dataset.points, { credentials: "same-origin" }).then(function (response) { return response.json(); })
    .then(function (data) {
      var markers = data.points.map(function (point) {
        var state = data.states[point[4]];
        var marker = L.circleMarker([point[2], point[3]], { radius: 6, color: colours[state], fillOpacity: 0.8, weight: 1 });
        marker.bindPopup(function () { return popup(point, state); });
        return marker;
      });
      clusters.addLayers(markers);
      map.addLayer(clusters);
      if (markers.length) map.fitBounds(clusters.getBounds(), { maxZoom: 12 });
      document.getElementById("map-count").textContent = markers.length.toLocaleString();
    });
})();
