// The coordinators' triage list, live: every 15 seconds it asks the incidents app's own feed
// (/incidents/feed.json, same scope and filters as the page) for incidents above the last ID it
// has seen and puts their cards on top. The page title counts those that arrived since the page
// was opened or last looked at, so a background tab shows that work waits. Polling, like the
// dashboard's feed: it survives every proxy and a flaky network, and holds no worker.
(function () {
  var list = document.getElementById("triage-list");
  if (!list || !list.dataset.feed) return;
  var after = Number(list.dataset.after) || 0, unseen = 0, title = document.title;
  var url = list.dataset.feed + (list.dataset.feed.indexOf("?") < 0 ? "?" : "&") + "after=";
  function poll() {
    fetch(url + after, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.items.forEach(function (item) {  // oldest first: the newest ends on top
          if (list.querySelector('[data-incident="' + item.id + '"]')) return;
          var holder = document.createElement("ul");
          holder.innerHTML = item.html;  // rendered and escaped by the server's own card template
          if (holder.firstElementChild) { list.insertBefore(holder.firstElementChild, list.firstChild); unseen += 1; }
        });
        after = Math.max(after, data.after);
        document.getElementById("triage-empty").hidden = list.children.length > 0;
        document.title = (unseen ? "(" + unseen + ") " : "") + title;
      })
      .catch(function () { /* offline for a moment: the next poll catches up */ });
  }
  setInterval(poll, 15000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { unseen = 0; document.title = title; }
  });
})();
