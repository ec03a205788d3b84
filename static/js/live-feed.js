// Polls the dashboard's feed every 15 seconds and prepends what is new (flags and incidents, each
// kind with its own "after" cursor); the page title counts the items that arrived since the page
// was opened, so a background tab shows that work waits.
(function () {
  var list = document.getElementById("live-feed");
  if (!list) return;
  var after = { flag: 0, incident: 0 }, unseen = 0, first = true, title = document.title;
  function render(item) {
    var entry = document.createElement("li");
    entry.className = (item.type === "incident" ? "incident-severity-" : "severity-") + item.severity;
    entry.dataset.type = item.type;
    var link = document.createElement("a");
    link.href = list.dataset.station.replace("999999999", item.station_id);
    link.textContent = item.station;
    var label = item.type === "incident" ? list.dataset.incidentLabel : list.dataset.flagLabel;
    entry.append(" " + new Date(item.at).toLocaleTimeString() + " · " + label + " · " + item.severity_label +
                 " · " + item.kind + " · ");
    entry.appendChild(link);
    return entry;
  }
  function poll() {
    fetch(list.dataset.url + "?after_flag=" + after.flag + "&after_incident=" + after.incident,
          { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.items.slice().reverse().forEach(function (item) { list.insertBefore(render(item), list.firstChild); });
        if (!first) unseen += data.items.length;
        first = false;
        after.flag = data.after_flag;
        after.incident = data.after_incident;
        document.getElementById("feed-empty").hidden = list.children.length > 0;
        document.title = (unseen ? "(" + unseen + ") " : "") + title;
      })
      .catch(function () { /* offline for a moment: the next poll catches up */ });
  }
  poll();
  setInterval(poll, 15000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { unseen = 0; document.title = title; } });
})();
