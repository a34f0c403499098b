/* The courier's round: confirmations that survive a dead zone.
 *
 * Every confirmation is first written to the phone (localStorage) with an idempotency key,
 * then sent in order to /api/v1/postal/confirmations. A network failure leaves it queued; it is
 * sent again when the phone is back online, when the page opens, and every 30 seconds. The
 * server keeps the answer to each key, so a confirmation sent twice is applied once. A refusal
 * (another courier confirmed first, a missing field) is shown on the parcel and dropped.
 */
(function () {
  "use strict";
  var root = document.getElementById("courier");
  if (!root) { return; }
  var QUEUE = "motcua.courier.queue";
  var statusEl = document.getElementById("queue-status");
  var flushing = false;

  function msg(name, values) {
    var text = root.dataset["msg" + name] || "";
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    return text;
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(QUEUE, JSON.stringify(queue)); }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["x-csrftoken"]; } catch (e) { return ""; }
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function card(id) { return document.getElementById(id); }

  function showStatus(text) {
    var n = load().length;
    if (!text && n) { text = navigator.onLine ? msg("Sending", { n: n }) : msg("Offline", { n: n }); }
    statusEl.textContent = text || "";
    statusEl.hidden = !text;
  }

  var notes = {};  // the last message of each card, shown again after a refresh
  function mark(id, text, good) {
    notes[id] = [text, good];
    var c = card(id);
    if (!c) { return; }
    var m = c.querySelector(".parcel-msg");
    m.textContent = text;
    m.className = "parcel-msg " + (good ? "ok" : "error");
  }

  function settle(item, ok, body) {
    var c = card(item.card);
    if (!c) { return; }
    if (ok) {
      var chip = c.querySelector("[data-state]");
      if (chip && body.state_label) { chip.textContent = body.state_label; }
      c.dataset.version = "";
      mark(item.card, "✓ " + msg("Done") + (body.state_label ? ": " + body.state_label : ""), true);
    } else {
      c.querySelector(".parcel-actions").hidden = false;
      mark(item.card, body.detail || "", false);
    }
  }

  // Fresh parcel cards (new versions, next possible steps) once the queue is empty.
  function refresh() {
    if (load().length || !navigator.onLine) { return; }
    fetch("/courier", { credentials: "same-origin", headers: { "HX-Request": "true", "HX-Boosted": "true" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("round");
        var here = document.getElementById("round");
        if (!fresh || !here) { return; }
        // Keep what the courier is typing: skip when a form on the round is open.
        if (here.querySelector("details[open]")) { return; }
        here.innerHTML = fresh.innerHTML;
        Object.keys(notes).forEach(function (id) { mark(id, notes[id][0], notes[id][1]); });
      })
      .catch(function () {});
  }

  async function flush() {
    if (flushing) { return; }
    flushing = true;
    var sent = 0;
    try {
      var queue = load();
      while (queue.length) {
        var item = queue[0];
        showStatus();
        var response;
        try {
          response = await fetch(item.endpoint || "/api/v1/postal/confirmations", {
            method: "POST",
            credentials: "same-origin",
            headers: { "content-type": "application/json", "x-csrftoken": csrf() },
            body: JSON.stringify(item)
          });
        } catch (e) {
          break; // no network: keep it, try again later
        }
        if (response.status === 401 || response.status === 403) { showStatus(msg("Login")); return; }
        if (response.status >= 500 || response.status === 429) { break; }
        var body = {};
        try { body = await response.json(); } catch (e) { body = {}; }
        queue = load().filter(function (x) { return x.key !== item.key; });
        save(queue);
        settle(item, response.ok, body);
        sent += 1;
      }
    } finally {
      flushing = false;
    }
    showStatus();
    if (sent) { refresh(); }
  }

  function enqueue(form) {
    var data = new FormData(form);
    var c = form.closest(".parcel");
    var item = {
      key: newKey(), card: c.id, shipment: c.dataset.code, step: form.dataset.step,
      endpoint: form.dataset.endpoint || "", queued_at: new Date().toISOString()
    };
    data.forEach(function (value, name) {
      if (name === "_csrf_token") { return; }
      if (name === "documents") { (item.documents = item.documents || []).push(Number(value)); return; }
      item[name] = value;
    });
    var queue = load();
    queue.push(item);
    save(queue);
    c.querySelector(".parcel-actions").hidden = true;
    c.querySelectorAll("details[open]").forEach(function (d) { d.open = false; });
    mark(item.card, "⏳ " + msg("Queued"), true);
    flush();
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.dataset || !form.dataset.step || !form.closest("#round")) { return; }
    e.preventDefault();
    if (form.elements.proof && !form.elements.proof.value) {
      // At a pickup the citizen hands the papers over: they sign as the sender, not a recipient.
      var need = form.dataset.step === "collected" ? "NeedSenderSignature" : "NeedProof";
      mark(form.closest(".parcel").id, msg(need), false);
      return;
    }
    enqueue(form);
  });

  // Proof of delivery: an on-screen signature, or a photo made small enough to queue.
  // Delegated from the document, so cards replaced by a refresh keep working.
  var pen = null;
  function at(canvas, e) {
    var r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  }
  document.addEventListener("pointerdown", function (e) {
    var canvas = e.target.closest && e.target.closest("[data-signature]");
    if (!canvas) { return; }
    e.preventDefault();
    var ctx = canvas.getContext("2d");
    ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    var p = at(canvas, e);
    ctx.beginPath(); ctx.moveTo(p[0], p[1]);
    pen = { canvas: canvas, ctx: ctx };
  });
  document.addEventListener("pointermove", function (e) {
    if (!pen) { return; }
    var p = at(pen.canvas, e);
    pen.ctx.lineTo(p[0], p[1]); pen.ctx.stroke();
  });
  document.addEventListener("pointerup", function () {
    if (!pen) { return; }
    pen.canvas.closest("form").elements.proof.value = pen.canvas.toDataURL("image/png");
    pen = null;
  });
  document.addEventListener("click", function (e) {
    var clear = e.target.closest && e.target.closest("[data-clear-signature]");
    if (!clear) { return; }
    var form = clear.closest("form");
    var canvas = form.querySelector("[data-signature]");
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    form.elements.proof.value = "";
  });
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("[data-proof-photo]") || !input.files[0]) { return; }
    var form = input.closest("form");
    var img = new Image();
    img.onload = function () {
      var scale = Math.min(1, 1280 / Math.max(img.width, img.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      form.elements.proof.value = canvas.toDataURL("image/jpeg", 0.7);
      var preview = form.querySelector(".proof-preview");
      preview.src = form.elements.proof.value;
      preview.hidden = false;
      URL.revokeObjectURL(img.src);
    };
    img.src = URL.createObjectURL(input.files[0]);
  });

  // Find a parcel by the code printed on its label, typed or scanned.
  function jump(code) {
    code = (code || "").trim().toUpperCase();
    var result = document.getElementById("find-result");
    // A parcel by its code, or a paper dossier to collect (pickup cards carry the code too).
    var c = card("p-" + code) || document.querySelector('.pickup[data-code="' + code.replace(/"/g, "") + '"]');
    if (!c) { result.textContent = code ? msg("NotFound", { code: code }) : ""; return; }
    result.textContent = "";
    c.scrollIntoView({ behavior: "smooth", block: "start" });
    c.classList.add("found");
    setTimeout(function () { c.classList.remove("found"); }, 2500);
  }
  document.getElementById("finder").addEventListener("submit", function (e) {
    e.preventDefault();
    jump(document.getElementById("find-code").value);
  });

  var scanButton = document.getElementById("scan");
  var dialog = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  var stream = null;
  function stopScan() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    if (dialog.open) { dialog.close(); }
  }
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    scanButton.hidden = false;
    scanButton.addEventListener("click", async function () {
      try {
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream;
        dialog.showModal();
        await video.play();
        var tick = async function () {
          if (!stream) { return; }
          var codes = await detector.detect(video).catch(function () { return []; });
          if (codes.length) {
            stopScan();
            document.getElementById("find-code").value = codes[0].rawValue;
            jump(codes[0].rawValue);
            return;
          }
          setTimeout(tick, 250);
        };
        tick();
      } catch (e) {
        stopScan();
        document.getElementById("find-result").textContent = msg("NoCamera");
      }
    });
  }
  document.getElementById("scanner-close").addEventListener("click", stopScan);

  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { showStatus(); });
  setInterval(flush, 30000);
  showStatus();
  flush();
})();
