/* MotCua service worker.
   - Pre-caches the app shell (CSS, JS, htmx, icons, the offline page).
   - Static files: cache first (their URLs carry a version).
   - Pages: always from the network, never stored: one person's dossiers must never be shown
     to the next person on a shared phone. With no network, the offline page is shown.
   - Private files and the API are never touched by the cache.
   - Push: shows the server's message as a notification; a tap opens its page. */
"use strict";
var ASSETS = "__ASSET_VERSION__";  // filled in by the server: changes with any static file
var VERSION = "motcua-" + ASSETS;
var SHELL = [
  "/offline",
  "/static/css/app.css?v=" + ASSETS,
  "/static/js/app.js?v=" + ASSETS,
  "/static/js/push.js?v=" + ASSETS,
  "/static/vendor/htmx.min.js?v=" + ASSETS,
  "/static/icons/icon.svg?v=" + ASSETS
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(VERSION).then(function (cache) { return cache.addAll(SHELL); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== VERSION; })
        .map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.mode === "navigate") {
    event.respondWith(fetch(req).catch(function () {
      return caches.match("/offline");
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    // Exact (versioned) URL first; offline, any cached version of the file will do.
    event.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok) {
          var copy = res.clone();
          caches.open(VERSION).then(function (cache) { cache.put(req, copy); });
        }
        return res;
      }).catch(function () { return caches.match(req, { ignoreSearch: true }); });
    }));
  }
});

/* Push notifications. The server sends JSON {title, body, url, tag, kind, id}; one tag per
   dossier, so a newer message about a dossier replaces the older one on the phone. */
var ICON = "/static/icons/icon-192.png";

/* Only a page of this site may be opened from a notification. */
function localUrl(url) {
  try {
    var u = new URL(url || "/inbox", self.location.origin);
    return u.origin === self.location.origin ? u.href : self.location.origin + "/inbox";
  } catch (e) {
    return self.location.origin + "/inbox";
  }
}

self.addEventListener("push", function (event) {
  var data = null;
  try { data = event.data ? event.data.json() : null; } catch (e) { data = null; }
  if (!data || typeof data !== "object" || !data.title) {
    // Not our JSON (or empty): still say something, and lead to the inbox.
    data = { title: "Một cửa: bạn có thông báo mới", body: "Chạm để xem trong mục Thông báo.", url: "/inbox", tag: "motcua" };
  }
  var options = {
    body: String(data.body || ""),
    icon: ICON,
    badge: ICON,
    data: { url: localUrl(data.url), id: data.id || null, kind: data.kind || "" },
    lang: "vi"
  };
  if (data.tag) {  // renotify without a tag is an error
    options.tag = String(data.tag);
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(String(data.title), options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = localUrl(event.notification.data && event.notification.data.url);
  var opened = self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    // A window of this site that this worker controls can be brought forward and sent there.
    var mine = list.filter(function (c) {
      return new URL(c.url).origin === self.location.origin && "navigate" in c;
    });
    mine.sort(function (a, b) { return (b.focused ? 1 : 0) - (a.focused ? 1 : 0); });
    var client = mine[0];
    if (!client) { return self.clients.openWindow(url); }
    if ("focus" in client) { client.focus().catch(function () {}); }
    if (client.url === url) { return client; }
    return client.navigate(url).catch(function () { return self.clients.openWindow(url); });
  });
  event.waitUntil(opened);
});
