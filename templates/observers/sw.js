// The observer app's service worker (served by observers.pwa.service_worker at /sw.js).
// Pages of the observer: network first (fresh when there is a network, the last copy when there
// is none); static files: cache first (their names carry a content hash in production). Nothing is
// fetched from another origin. Cache names carry the deploy's version; older ones are deleted.
{% for url in workbox %}importScripts({{ url|safe }});
{% endfor %}
var VERSION = "__VERSION__";
var PAGES = "observer-pages-" + VERSION;
var STATIC = "observer-static-" + VERSION;
var PAGE_PREFIXES = {{ page_prefixes|safe }};
var HOME = {{ home|safe }};
var STATIC_PREFIX = {{ static_prefix|safe }};

self.skipWaiting();
workbox.core.clientsClaim();

var ok = new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [200] });

function observerPage(url) {
  return url.origin === self.location.origin && PAGE_PREFIXES.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; });
}

workbox.routing.registerRoute(function (options) {
  return options.request.mode === "navigate" && observerPage(options.url);
}, new workbox.strategies.NetworkFirst({
  // Vary (Cookie, Accept-Language) is ignored: these caches hold this phone's observer's pages only.
  cacheName: PAGES, networkTimeoutSeconds: 6, plugins: [ok], matchOptions: { ignoreVary: true } }));

workbox.routing.registerRoute(function (options) {
  return options.url.origin === self.location.origin && options.url.pathname.indexOf(STATIC_PREFIX) === 0;
}, new workbox.strategies.CacheFirst({ cacheName: STATIC, plugins: [ok], matchOptions: { ignoreVary: true } }));

// Offline, a page never kept falls back to My station, where the outbox is.
workbox.routing.setCatchHandler(function (options) {
  if (options.request.mode !== "navigate") { return Promise.resolve(Response.error()); }
  return caches.open(PAGES).then(function (cache) { return cache.match(HOME, { ignoreVary: true }); })
    .then(function (response) { return response || Response.error(); });
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("observer-") === 0 && name !== PAGES && name !== STATIC;
    }).map(function (name) { return caches.delete(name); }));
  }));
});

// Keep the observer's pages (and the static files they name) for offline use, when asked by the app.
// A page is put in the cache only after the static files it names are: a page found in the cache
// works offline with its scripts. Static files already kept are not fetched again (their production
// names carry a hash).
function keep(urls, assets) {
  var assetPattern = new RegExp("(?:src|href)=\"(" + STATIC_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "[^\"?#]+)\"", "g");
  return Promise.all([caches.open(PAGES), caches.open(STATIC)]).then(function (opened) {
    var pages = opened[0], statics = opened[1];
    function keepAssets(found) {
      return Promise.all(Array.from(found).map(function (asset) {
        return statics.match(asset, { ignoreVary: true }).then(function (hit) {
          if (hit) { return; }
          return fetch(asset).then(function (response) { if (response.ok) { return statics.put(asset, response); } })
            .catch(function () {});
        });
      }));
    }
    return urls.reduce(function (chain, url) {
      return chain.then(function () {
        return pages.match(url, { ignoreVary: true });
      }).then(function (kept) {
        // A page already kept is not fetched again on a slow network: visiting it online refreshes it.
        if (kept) { return; }
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (!response.ok || response.redirected) { return; }
          return response.clone().text().then(function (html) {
            var found = new Set(), match;
            assetPattern.lastIndex = 0;
            while ((match = assetPattern.exec(html))) { found.add(match[1]); }
            return keepAssets(found).then(function () { return pages.put(url, response); });
          });
        }).catch(function () {});
      });
    }, keepAssets(new Set(assets || [])));
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep") { event.waitUntil(keep(data.urls || [], data.assets || [])); }
  if (data.type === "forget-pages") { event.waitUntil(caches.delete(PAGES)); }
});

// Background Sync (where the browser has it) wakes the open app, which sends its outbox.
self.addEventListener("sync", function (event) {
  if (event.tag !== "outbox") { return; }
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (clients) {
    clients.forEach(function (client) { client.postMessage({ type: "sync" }); });
  }));
});
