/* The counter kiosk: one tap, "thank you", back to the start.
 *
 * A vote is written to the tablet first (localStorage) with a key, then sent; a network blip
 * leaves it queued and it is sent later (the key makes a replay count once). The thanks screen
 * shows at once either way, so the next person is never kept waiting.
 */
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var QUEUE = "motcua.kiosk.queue";
  var ask = document.getElementById("ask");
  var thanks = document.getElementById("thanks");
  var seconds = Number(root.dataset.thanksSeconds || 4);
  var sending = false;
  var timer = null;

  function load() { try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(QUEUE, JSON.stringify(q)); }
  function key() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  async function flush() {
    if (sending) { return; }
    sending = true;
    try {
      var q = load();
      while (q.length) {
        var vote = q[0];
        var r;
        try {
          r = await fetch("/kiosk/votes", {
            method: "POST", credentials: "same-origin",
            headers: { "content-type": "application/json", "x-csrftoken": document.body.dataset.csrf },
            body: JSON.stringify(vote)
          });
        } catch (e) { break; }
        if (r.status >= 500) { break; }
        // Counted, a replay, refused as stuffing (429) or a bad vote: done with it either way.
        save(load().filter(function (x) { return x.key !== vote.key; }));
        q = load();
      }
    } finally { sending = false; }
  }

  function back() {
    thanks.hidden = true;
    ask.hidden = false;
  }

  root.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-level]");
    if (!button || ask.hidden) { return; }
    var q = load();
    q.push({ key: key(), level: Number(button.dataset.level), at: new Date().toISOString() });
    save(q);
    ask.hidden = true;
    thanks.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(back, seconds * 1000);
    flush();
  });

  window.addEventListener("online", flush);
  setInterval(flush, 20000);
  flush();
})();
