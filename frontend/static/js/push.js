/* MotCua push notifications on this device. Every page works without this file: the inbox
   (/inbox) keeps every message. The browser is only asked for permission when the person taps
   "Bật thông báo" on a card ([data-push], see templates/notifications/_push.html), never on
   page load.

   A card shows one of its [data-when] blocks:
   on | off | denied | ios (iPhone/iPad in Safari: add to the home screen first) | unsupported */
(function () {
  "use strict";
  var API = "/api/v1/push";
  var LATER_KEY = "motcua-push-later";
  var SYNC_KEY = "motcua-push-synced";
  var LATER_DAYS = 30;
  var vi = document.documentElement.lang !== "en";
  var T = vi ? {
    busy: "Đang bật thông báo…", stopping: "Đang tắt thông báo…",
    failed: "Chưa bật được thông báo. Vui lòng thử lại.",
    offline: "Chưa bật được thông báo vì mất kết nối mạng. Vui lòng thử lại khi có mạng.",
    server: "Chưa bật được thông báo do máy chủ đang gặp sự cố. Vui lòng thử lại sau ít phút.",
    browser: "Trình duyệt trên máy này không đăng ký nhận thông báo được (dịch vụ thông báo của trình duyệt không phản hồi). Bạn vẫn xem mọi tin trong mục “Thông báo” của ứng dụng; có thể thử lại sau, hoặc dùng Chrome hay Safari bản mới.",
    offFailed: "Chưa tắt được thông báo. Vui lòng thử lại.",
    notAllowed: "Bạn chưa cho phép nhận thông báo. Khi điện thoại hỏi, hãy chọn “Cho phép”.",
    signedOut: "Phiên đăng nhập đã hết. Vui lòng đăng nhập lại rồi thử lại."
  } : {
    busy: "Turning notifications on…", stopping: "Turning notifications off…",
    failed: "Could not turn notifications on. Please try again.",
    offline: "Could not turn notifications on: no connection. Please try again when you are online.",
    server: "Could not turn notifications on: the server has a problem. Please try again in a few minutes.",
    browser: "The browser on this device could not sign up for notifications (its notification service did not answer). Every message is still in the app's “Notifications”; try again later, or use a recent Chrome or Safari.",
    offFailed: "Could not turn notifications off. Please try again.",
    notAllowed: "Notifications were not allowed. When your phone asks, choose “Allow”.",
    signedOut: "Your session has ended. Please sign in again and retry."
  };

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function isIOS() {
    return /iPad|iPhone|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function standalone() {
    return navigator.standalone === true ||
      (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches);
  }

  function supported() {
    return window.isSecureContext !== false && "serviceWorker" in navigator &&
      "PushManager" in window && "Notification" in window;
  }

  function signedIn() { return !!document.querySelector("[data-bell]"); }

  /* The server's VAPID public key, base64url, as the bytes pushManager.subscribe wants. */
  function keyBytes(b64) {
    var s = b64.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var raw = atob(s);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  var keyPromise = null;
  function serverKey() {
    if (!keyPromise) {
      keyPromise = fetch(API + "/vapid-public-key", { credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) { var e = new Error(r.status); e.status = r.status; throw e; }
          return r.json();
        })
        .then(function (j) { return keyBytes(j.publicKey); });
      keyPromise.catch(function () { keyPromise = null; });
    }
    return keyPromise;
  }

  function sameKey(sub, key) {
    var had = sub.options && sub.options.applicationServerKey;
    if (!had) { return true; }  // unknown: keep it
    var a = new Uint8Array(had);
    if (a.length !== key.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== key[i]) { return false; } }
    return true;
  }

  function withTimeout(promise, ms) {
    return Promise.race([promise, new Promise(function (_, reject) {
      setTimeout(function () { reject(new Error("timeout")); }, ms);
    })]);
  }

  /* The active worker's registration (app.js registers it on load; a tap may come first). */
  function registration() {
    return navigator.serviceWorker.getRegistration("/").then(function (reg) {
      return reg || navigator.serviceWorker.register("/sw.js");
    }).then(function () { return withTimeout(navigator.serviceWorker.ready, 15000); });
  }

  function currentSubscription() {
    return navigator.serviceWorker.getRegistration("/").then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    });
  }

  function tell(method, sub) {
    var body = method === "DELETE" ? { endpoint: sub.endpoint } : sub;
    return fetch(API + "/subscriptions", {
      method: method, credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "x-csrftoken": csrf() }
    }).then(function (r) {
      if (!r.ok) { var e = new Error(r.status); e.status = r.status; throw e; }
      return r;
    });
  }

  function askPermission() {
    // Older Safari only takes a callback; newer browsers return a promise.
    return new Promise(function (resolve) {
      var p = Notification.requestPermission(resolve);
      if (p && p.then) { p.then(resolve); }
    });
  }

  function detect() {
    if (!supported()) {
      return Promise.resolve(isIOS() && !standalone() && !("PushManager" in window) ? "ios" : "unsupported");
    }
    if (Notification.permission === "denied") { return Promise.resolve("denied"); }
    if (Notification.permission !== "granted") { return Promise.resolve("off"); }
    return currentSubscription().then(function (sub) { return sub ? "on" : "off"; },
      function () { return "off"; });
  }

  function cards() { return document.querySelectorAll("[data-push]"); }

  function message(card, text) {
    var box = card.querySelector("[data-push-msg]");
    if (box) { box.textContent = text || ""; }
  }

  function show(card, state) {
    card.setAttribute("data-push-state", state);
    card.querySelectorAll("[data-when]").forEach(function (el) {
      el.hidden = el.getAttribute("data-when").split(" ").indexOf(state) < 0;
    });
  }

  function showAll(state) { cards().forEach(function (c) { show(c, state); }); }

  function busy(card, on, text) {
    card.querySelectorAll("[data-push-action]").forEach(function (b) { b.disabled = on; });
    card.setAttribute("aria-busy", on ? "true" : "false");
    message(card, text);
  }

  function putOffLately() {
    try {
      var at = parseInt(localStorage.getItem(LATER_KEY) || "0", 10);
      return at && Date.now() - at < LATER_DAYS * 86400000;
    } catch (e) { return false; }
  }

  function turnOn(card) {
    busy(card, true, T.busy);
    // requestPermission first, inside the tap: Safari refuses it after an await.
    Promise.all([askPermission(), serverKey()]).then(function (got) {
      var permission = got[0], key = got[1];
      if (permission !== "granted") {
        var e = new Error(permission); e.state = permission === "denied" ? "denied" : "off";
        throw e;
      }
      return registration().then(function (reg) {
        return reg.pushManager.getSubscription().then(function (old) {
          if (old && sameKey(old, key)) { return old; }
          // Made with another server key (the key was replaced): start again.
          return (old ? old.unsubscribe() : Promise.resolve()).then(function () {
            return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key })
              .catch(function (cause) {
                // The browser's own push service refused or is missing (no Google services,
                // a privacy browser): not the network's fault, nor ours.
                var e = new Error("subscribe: " + (cause && cause.name)); e.where = "browser";
                throw e;
              });
          });
        });
      });
    }).then(function (sub) {
      return tell("POST", sub).then(function () {
        try { sessionStorage.setItem(SYNC_KEY, sub.endpoint); } catch (e) { /* private mode */ }
      }, function (err) {
        // The server did not keep it: do not leave the device half on.
        return sub.unsubscribe().catch(function () {}).then(function () { throw err; });
      });
    }).then(function () {
      busy(card, false, "");
      showAll("on");
    }).catch(function (err) {
      busy(card, false, whyNotOn(err));
      if (err && err.state) { showAll(err.state); }
    });
  }

  // What to tell when turning on failed: the person's choice, the browser, the network or us.
  function whyNotOn(err) {
    if (err && err.state) { return err.state === "off" ? T.notAllowed : ""; }
    if (err && err.where === "browser") { return T.browser; }
    if (err && err.status === 401) { return T.signedOut; }
    if (err && err.status >= 500) { return T.server; }
    if (!navigator.onLine || err instanceof TypeError) { return T.offline; }  // fetch failed
    return T.failed;
  }

  function turnOff(card) {
    busy(card, true, T.stopping);
    currentSubscription().then(function (sub) {
      if (!sub) { return; }
      return tell("DELETE", sub).then(function () { return sub.unsubscribe(); });
    }).then(function () {
      try { sessionStorage.removeItem(SYNC_KEY); } catch (e) { /* private mode */ }
      busy(card, false, "");
      showAll("off");
    }).catch(function () { busy(card, false, T.offFailed); });
  }

  function setUp(card) {
    if (card.getAttribute("data-push-ready")) { return; }
    card.setAttribute("data-push-ready", "1");
    var mode = card.getAttribute("data-push");
    detect().then(function (state) {
      if (mode === "receipt" && state === "on") { card.hidden = true; return; }
      if (mode === "offer") {
        if (state !== "off" || putOffLately()) { return; }
        card.hidden = false;
      }
      show(card, state);
      if (state === "off" && supported()) { serverKey().catch(function () {}); }  // warm up
    });
  }

  /* Once per browser session, tell the server this device's subscription (it may have been
     renewed by the browser, or forgotten by the server after a failed delivery). */
  function sync() {
    if (!signedIn() || !supported() || Notification.permission !== "granted") { return; }
    currentSubscription().then(function (sub) {
      var done = "";
      try { done = sessionStorage.getItem(SYNC_KEY) || ""; } catch (e) { /* private mode */ }
      if (!sub || done === sub.endpoint) { return; }
      return tell("POST", sub).then(function () {
        try { sessionStorage.setItem(SYNC_KEY, sub.endpoint); } catch (e) { /* private mode */ }
      });
    }).catch(function () {});
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("[data-push]")) { setUp(scope); }
    scope.querySelectorAll("[data-push]").forEach(setUp);
  }

  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-push-action]");
    if (!btn) { return; }
    var card = btn.closest("[data-push]");
    var action = btn.getAttribute("data-push-action");
    if (action === "on") { turnOn(card); }
    else if (action === "off") { turnOff(card); }
    else if (action === "later") {
      try { localStorage.setItem(LATER_KEY, String(Date.now())); } catch (err) { /* private mode */ }
      card.hidden = true;
    }
  });

  /* Signing out on a shared phone: this device stops receiving the person's messages. */
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[action='/logout']") || form.getAttribute("data-push-done")) { return; }
    if (!supported() || Notification.permission !== "granted") { return; }
    e.preventDefault();
    form.setAttribute("data-push-done", "1");
    withTimeout(currentSubscription().then(function (sub) {
      if (!sub) { return; }
      return tell("DELETE", sub).catch(function () {}).then(function () { return sub.unsubscribe(); });
    }), 3000).catch(function () {}).then(function () {
      try { sessionStorage.removeItem(SYNC_KEY); } catch (err) { /* private mode */ }
      form.submit();
    });
  });

  // htmx swaps the page's body on boosted navigation: set up the cards it brings.
  document.addEventListener("htmx:load", function (e) {
    init(e.target);
    if (e.target.querySelector && e.target.querySelector("[data-bell]")) { sync(); }
  });
  init(document);
  sync();
})();
