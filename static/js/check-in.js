// Adds the phone's position to a check-in, when the observer allows it. Without GPS (refused,
// unavailable, or slower than 8 seconds) the check-in is sent anyway: the server records the
// time, and a missing position is better than a missing check-in.
(function () {
  document.querySelectorAll("form.check-in").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located || !navigator.geolocation) return;
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      button.textContent = button.dataset.locating;
      // requestSubmit, not submit(): the submit event runs again, so the outbox (outbox.js) queues it.
      var send = function () {
        form.dataset.located = "1";
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      };
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.latitude.value = position.coords.latitude.toFixed(6);
        form.elements.longitude.value = position.coords.longitude.toFixed(6);
        form.elements.accuracy.value = Math.round(position.coords.accuracy);
        send();
      }, send, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    });
  });
})();
