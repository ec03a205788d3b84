// Polls the dashboard's feed every 15 seconds and prepends what is new; the page title counts
// the items that arrived since the page was opened, so a background tab shows that work waits.
(function () {
  var list = document.getElementById("live-feed");
  if (!list) return;
  var after = 0, unseen = 0, first = true, title = document.title;
  function render(item) {
    var entry = document.createElement("li");
    entry.className = "severity-" + item.severity;
    var link = document.createElement("a");
    link.href = list.dataset.station.replace("999999999", item.station_id);
    link.textContent = item.station;
    entry.append(" " + new Date(item.at).toLocaleTimeString() + " · " + item.severity_label + " · " + item.kind + " · ");
    entry.appendChild(link);
    return entry;
  }
  function poll() {
    fetch(list.dataset.url + "?after_flag=" + after, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.items.slice().reverse().forEach(function (item) { list.insertBefore(render(item), list.firstChild); });
        if (!first) unseen += data.items.length;
        first = false;
        after = data.after_flag;
        document.getElementById("feed-empty").hidden = list.children.length > 0;
        document.title = (unseen ? "(" + unseen + ") " : "") + title;
      })
      .catch(function () { /* offline for a moment: the next poll catches up */ });
  }
  poll();
  setInterval(poll, 15000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { unseen = 0; document.title = title; } });
})();
