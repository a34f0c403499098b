/* MotCua service worker.
   - Pre-caches the app shell (CSS, JS, htmx, icons, the offline page).
   - Static files: cache first (their URLs carry a version).
   - Pages: always from the network, never stored: one person's dossiers must never be shown
     to the next person on a shared phone. With no network, the offline page is shown.
   - Private files and the API are never touched by the cache. */
"use strict";
var ASSETS = "__ASSET_VERSION__";  // filled in by the server: changes with any static file
var VERSION = "motcua-" + ASSETS;
var SHELL = [
  "/offline",
  "/static/css/app.css?v=" + ASSETS,
  "/static/js/app.js?v=" + ASSETS,
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
