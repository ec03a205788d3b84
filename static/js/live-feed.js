// Polls the dashboard's feed every 15 seconds and prepends what is new (flags and incidents, each
// kind with its own "after" cursor); the page title counts the items that arrived since the page
// was opened, so a background tab shows that work waits.
// The first request (no cursors) brings the newest items; every later one the oldest items above
// the cursors, with `more: true` while others wait: the script then asks again at once, so a
// national import raising hundreds of flags arrives whole and the title counts every one of them.
(function () {
  var list = document.getElementById("live-feed");
  if (!list) return;
  var after = null, unseen = 0, busy = false, title = document.title;
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
    if (busy) return;
    busy = true;
    var query = after ? "?after_flag=" + after.flag + "&after_incident=" + after.incident : "";
    fetch(list.dataset.url + query, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        busy = false;
        if (!data) return;
        // Items come oldest first: each goes on top, so the newest ends up first.
        data.items.forEach(function (item) { list.insertBefore(render(item), list.firstChild); });
        if (after) unseen += data.items.length;
        after = { flag: data.after_flag, incident: data.after_incident };
        document.getElementById("feed-empty").hidden = list.children.length > 0;
        document.title = (unseen ? "(" + unseen + ") " : "") + title;
        if (data.more) poll();
      })
      .catch(function () { busy = false; /* offline for a moment: the next poll catches up */ });
  }
  poll();
  setInterval(poll, 15000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { unseen = 0; document.title = title; } });
})();
