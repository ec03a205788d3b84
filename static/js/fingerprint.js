// The turnout / leader's share fingerprint as a canvas heat map, drawn from the page's JSON
// endpoint (stations per 1% x 1% cell), with the figures of the cell under the pointer. No library:
// a log colour ramp from pale (few stations) to dark (many), axes at 0, 25, 50, 75 and 100%.
(function () {
  var canvas = document.getElementById("fingerprint");
  if (!canvas || !canvas.getContext) return;
  var output = document.getElementById("fingerprint-hover");
  var context = canvas.getContext("2d");
  var margin = { left: 36, bottom: 28, top: 6, right: 16 };
  var data = null;
  function colour(fraction) {  // 0..1 -> pale yellow .. dark blue
    var stops = [[255, 255, 217], [127, 205, 187], [29, 145, 192], [37, 52, 148], [8, 29, 88]];
    var position = fraction * (stops.length - 1), index = Math.min(Math.floor(position), stops.length - 2);
    var rest = position - index, from = stops[index], to = stops[index + 1];
    return "rgb(" + [0, 1, 2].map(function (k) { return Math.round(from[k] + (to[k] - from[k]) * rest); }).join(",") + ")";
  }
  function geometry() {
    var width = canvas.width - margin.left - margin.right, height = canvas.height - margin.top - margin.bottom;
    return { width: width, height: height, cellX: width / data.bins, cellY: height / data.bins };
  }
  function draw() {
    var box = geometry(), top = Math.log10(1 + data.max);
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    for (var turnout = 0; turnout < data.bins; turnout++) {
      for (var share = 0; share < data.bins; share++) {
        var count = data.counts[turnout][share];
        if (!count) continue;
        context.fillStyle = colour(Math.log10(1 + count) / top);
        context.fillRect(margin.left + turnout * box.cellX, margin.top + (data.bins - 1 - share) * box.cellY,
                         Math.ceil(box.cellX), Math.ceil(box.cellY));
      }
    }
    context.strokeStyle = "#57606a";
    context.strokeRect(margin.left, margin.top, box.width, box.height);
    context.fillStyle = "#1b1f24";
    context.font = "11px system-ui, sans-serif";
    [0, 25, 50, 75, 100].forEach(function (percent) {
      var x = margin.left + box.width * percent / 100, y = margin.top + box.height * (1 - percent / 100);
      context.textAlign = "center";
      context.fillText(percent + "%", x, canvas.height - 10);
      context.textAlign = "right";
      context.fillText(percent + "%", margin.left - 4, y + 4);
    });
  }
  function cellAt(event) {
    var rect = canvas.getBoundingClientRect(), box = geometry();
    var x = (event.clientX - rect.left) * canvas.width / rect.width - margin.left;
    var y = (event.clientY - rect.top) * canvas.height / rect.height - margin.top;
    if (x < 0 || y < 0 || x >= box.width || y >= box.height) return null;
    return { turnout: Math.floor(x / box.cellX), share: data.bins - 1 - Math.floor(y / box.cellY) };
  }
  function show(event) {
    if (!data) return;
    var cell = cellAt(event);
    if (!cell) { output.textContent = ""; return; }
    var step = 100 / data.bins;
    function range(index) { return Math.round(index * step) + "–" + Math.round((index + 1) * step) + "%"; }
    output.textContent = canvas.dataset.label.replace("%(turnout)s", range(cell.turnout))
      .replace("%(share)s", range(cell.share))
      .replace("%(stations)s", new Intl.NumberFormat(document.documentElement.lang || undefined)
        .format(data.counts[cell.turnout][cell.share]));
  }
  fetch(canvas.dataset.url, { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (json) {
      if (!json) return;
      data = json;
      canvas.hidden = false;
      draw();
      canvas.addEventListener("pointermove", show);
      canvas.addEventListener("pointerdown", show);
      canvas.addEventListener("pointerleave", function () { output.textContent = ""; });
    });
})();
