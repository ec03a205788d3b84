// Search-as-you-type for the deploy form: the observer and the station are each found by typing
// (the coordinator's accredited observers; the stations of their regions in the chosen election's
// country), picked from a list with the mouse or the keyboard (arrows, Enter, Escape), and kept as
// IDs in the form's hidden fields. The chosen station's number, name, address and region show
// before saving. Every item is built with textContent: names and addresses are data, not markup.
(function () {
  var form = document.querySelector("form.deploy-form");
  if (!form) return;
  var election = form.elements.election;

  function setUp(input, hidden, list, url, onPick) {
    var timer = null, results = [], active = -1, asked = 0;
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, at) { option.setAttribute("aria-selected", at === index ? "true" : "false"); });
      active = index;
      if (options[index]) input.setAttribute("aria-activedescendant", options[index].id);
    }
    function pick(index) {
      var item = results[index];
      if (!item) return;
      hidden.value = item.id;
      input.value = item.label;
      close();
      if (onPick) onPick(item);
    }
    function show(items) {
      results = items;
      list.replaceChildren();
      if (!items.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = form.dataset.none;
        list.appendChild(none);
      }
      items.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        option.addEventListener("mousedown", function (event) { event.preventDefault(); pick(index); });
        list.appendChild(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }
    function search() {
      var query = input.value.trim();
      if (!query) { close(); return; }
      var params = new URLSearchParams({ q: query });
      if (election && election.value) params.set("election", election.value);
      var mine = ++asked;
      fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (mine === asked && document.activeElement === input) show(data.results); })
        .catch(function () { /* offline for a moment: the typed text is still sent */ });
    }
    input.setAttribute("aria-controls", list.id);
    input.addEventListener("input", function () {
      hidden.value = "";  // typing again undoes the pick until a new one is made
      if (onPick) onPick(null);
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      var count = results.length;
      if (event.key === "ArrowDown" && count) { event.preventDefault(); highlight((active + 1) % count); }
      else if (event.key === "ArrowUp" && count) { event.preventDefault(); highlight((active - 1 + count) % count); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); pick(active); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", close);
  }

  var preview = document.getElementById("station-preview");
  var previewText = document.getElementById("station-preview-text");
  setUp(form.elements.observer_query, form.elements.observer, document.getElementById("observer-suggestions"),
        form.dataset.observersUrl, null);
  setUp(form.elements.station_query, form.elements.station, document.getElementById("station-suggestions"),
        form.dataset.stationsUrl, function (item) {
          preview.hidden = !item;
          previewText.textContent = item ? item.label : "";
        });
})();
