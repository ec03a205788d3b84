// Zoom and pan on the protocol photos beside the figures, so a reviewer reads each handwritten
// digit without leaving the page: the + and − buttons (or the + and − keys, or the mouse wheel)
// zoom around the centre or the pointer; dragging, or the arrow keys once the photo has the focus,
// moves it; "Whole photo" (or 0) shows it all again. The photo is moved with a CSS transform set
// from here (the CSP allows no inline style in the page).
(function () {
  var MIN = 1, MAX = 8, STEP = 1.5, KEY_PAN = 60;
  document.querySelectorAll(".zoom-frame").forEach(function (frame) {
    var image = frame.querySelector("img");
    var tools = frame.previousElementSibling;
    if (!image || !tools || !tools.classList.contains("zoom-tools")) return;
    tools.hidden = false;
    frame.classList.add("zoom-ready");
    var scale = 1, x = 0, y = 0, drag = null;

    function clamp() {
      // Never lose the photo: its edges stay at or beyond the frame's.
      var width = frame.clientWidth, height = frame.clientHeight;
      var maxX = (image.offsetWidth * scale - width) / 2, maxY = (image.offsetHeight * scale - height) / 2;
      x = Math.max(-Math.max(maxX, 0), Math.min(Math.max(maxX, 0), x));
      y = Math.max(-Math.max(maxY, 0), Math.min(Math.max(maxY, 0), y));
    }
    function apply() {
      clamp();
      image.style.transform = "translate(" + x + "px, " + y + "px) scale(" + scale + ")";
      frame.dataset.scale = String(Math.round(scale * 100) / 100);
      frame.classList.toggle("zoomed", scale > 1);
    }
    function zoom(factor, originX, originY) {
      var next = Math.max(MIN, Math.min(MAX, scale * factor));
      var ratio = next / scale;
      // Keep the point under the pointer (or the centre) where it is.
      x = originX - (originX - x) * ratio;
      y = originY - (originY - y) * ratio;
      scale = next;
      if (scale === 1) { x = 0; y = 0; }
      apply();
    }
    function reset() { scale = 1; x = 0; y = 0; apply(); }

    tools.addEventListener("click", function (event) {
      var button = event.target.closest("[data-zoom]");
      if (!button) return;
      if (button.dataset.zoom === "in") zoom(STEP, 0, 0);
      else if (button.dataset.zoom === "out") zoom(1 / STEP, 0, 0);
      else reset();
    });
    frame.addEventListener("wheel", function (event) {
      event.preventDefault();
      var rect = frame.getBoundingClientRect();
      zoom(event.deltaY < 0 ? STEP : 1 / STEP, event.clientX - rect.left - rect.width / 2,
           event.clientY - rect.top - rect.height / 2);
    }, { passive: false });
    frame.addEventListener("pointerdown", function (event) {
      if (scale === 1) return;
      drag = { id: event.pointerId, startX: event.clientX - x, startY: event.clientY - y };
      frame.setPointerCapture(event.pointerId);
    });
    frame.addEventListener("pointermove", function (event) {
      if (!drag || drag.id !== event.pointerId) return;
      x = event.clientX - drag.startX;
      y = event.clientY - drag.startY;
      apply();
    });
    function stop() { drag = null; }
    frame.addEventListener("pointerup", stop);
    frame.addEventListener("pointercancel", stop);
    frame.addEventListener("keydown", function (event) {
      var moves = { ArrowLeft: [KEY_PAN, 0], ArrowRight: [-KEY_PAN, 0], ArrowUp: [0, KEY_PAN], ArrowDown: [0, -KEY_PAN] };
      if (moves[event.key] && scale > 1) {
        x += moves[event.key][0]; y += moves[event.key][1]; apply();
      } else if (event.key === "+" || event.key === "=") { zoom(STEP, 0, 0); }
      else if (event.key === "-" || event.key === "_") { zoom(1 / STEP, 0, 0); }
      else if (event.key === "0") { reset(); }
      else return;
      event.preventDefault();
    });
    window.addEventListener("resize", apply);
    apply();
  });
})();
