// A <select data-auto-submit> sends its form when changed (a filter picked is a filter applied).
// A static file, not an onchange="" attribute: the Content-Security-Policy runs no inline script.
(function () {
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.hasAttribute && field.hasAttribute("data-auto-submit") && field.form) field.form.submit();
  });
})();
