// A checklist's conditional questions: a question with data-show-if-key is shown only while the
// earlier question of that key has the answer data-show-if-value (the server applies the same rule).
(function () {
  "use strict";
  var form = document.querySelector("[data-checklist-form]");
  if (!form) { return; }
  function answers(key) {
    var values = [];
    form.querySelectorAll("[name='q_" + key + "']").forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value) { values.push(input.value); }
    });
    return values;
  }
  function update() {
    form.querySelectorAll("[data-show-if-key]").forEach(function (fieldset) {
      var shown = answers(fieldset.dataset.showIfKey).indexOf(fieldset.dataset.showIfValue) !== -1;
      fieldset.hidden = !shown;
    });
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);  // a draft restored from the phone (outbox.js) fires "input"
  update();
})();
