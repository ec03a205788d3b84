// Polls the dashboard's feed every 15 seconds and prepends what is new (flags and incidents, each
// kind with its own "after" cursor); the page title counts the items that arrived since the page
// was opened, so a background tab shows that work waits.
// The first request (no cursors) brings the newest items; every later one the oldest items above
// the cursors, with `more: true` while others wait: the script then asks again at once, so a
// national import raising hundreds of flags arrives whole and the title counts every one of them.
// One item per open flag: a flag raised again by a new protocol version (the same `subject`)
// replaces the item shown. Times are in the election's time zone, as on every page, not the
// browser's; numbers and times in the page's language.
(function () {
  var list = document.getElementById("live-feed");
  if (!list) return;
  var after = null, unseen = 0, busy = false, title = document.title;
  var language = document.documentElement.lang || undefined;
  var clock;
  try {
    clock = new Intl.DateTimeFormat(language, { timeZone: list.dataset.timeZone || undefined,
                                                hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  } catch (error) {
    clock = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  }
  var shown = {};  // subject -> its item on the page
  function render(item) {
    var entry = document.createElement("li");
    entry.className = (item.type === "incident" ? "incident-severity-" : "severity-") + item.severity;
    entry.dataset.type = item.type;
    entry.dataset.id = item.id;
    var link = document.createElement("a");
    link.href = list.dataset.station.replace("999999999", item.station_id);
    link.textContent = item.station;
    var label = item.type === "incident" ? list.dataset.incidentLabel : list.dataset.flagLabel;
    var time = document.createElement("time");
    time.dateTime = item.at;
    time.textContent = clock.format(new Date(item.at));
    entry.append(" ", time, " · " + label + " · " + item.severity_label + " · " + item.kind + " · ");
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
        var fresh = 0;
        data.items.forEach(function (item) {
          var entry = render(item);
          var subject = item.type === "flag" && item.subject ? item.subject : null;
          if (subject && shown[subject]) shown[subject].remove();  // raised again: the newer replaces it
          else fresh += 1;
          if (subject) shown[subject] = entry;
          list.insertBefore(entry, list.firstChild);
        });
        if (after) unseen += fresh;
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
