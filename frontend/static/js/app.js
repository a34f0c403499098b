/* MotCua page behaviour. Every page works without this file; it makes uploads kinder on
   phones (smaller photos, a progress bar per file, a retry button) and saves drafts as the
   citizen types. */
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");

  /* Small behaviours the pages ask for with data attributes (no inline script: the CSP
     forbids it). */
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    if (target.closest("[data-print]")) { window.print(); }
    if (target.closest("[data-reload]")) { location.reload(); }
  });
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) {
      select.form.requestSubmit();
    }
  });
  // The ward search: shown once htmx runs it (without JavaScript the plain list stays), and
  // Enter searches instead of submitting the whole form.
  document.addEventListener("htmx:afterProcessNode", function (event) {
    var box = event.target instanceof Element ? event.target.closest("[data-ward-search]") : null;
    if (!box) { return; }
    box.hidden = false;
    var list = box.parentElement && box.parentElement.querySelector(".ward-list");
    if (list) { list.remove(); }
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key === "Enter" && input instanceof Element && input.closest("[data-ward-search]")) {
      event.preventDefault();
    }
  });
  var MAX_SIDE = 2000;
  var vi = document.documentElement.lang !== "en";
  var T = vi ? {
    uploading: "Đang tải lên", failed: "Tải lên không được (mạng yếu?).", retry: "Thử lại",
    shrinking: "Đang thu nhỏ ảnh", saved: "Đã lưu nháp lúc ", missing: "Còn thiếu:",
    complete: "Đã đủ giấy tờ bắt buộc.", saveFailed: "Chưa lưu được, sẽ thử lại khi có mạng.",
    offline: "Không có kết nối mạng. Hãy thử lại khi có mạng.",
    notSent: "Chưa gửi được vì mất mạng. Những gì bạn đã nhập vẫn còn; hãy bấm gửi lại khi có mạng."
  } : {
    uploading: "Uploading", failed: "Upload failed (weak network?).", retry: "Retry",
    shrinking: "Shrinking photo", saved: "Draft saved at ", missing: "Still missing:",
    complete: "All required documents are there.", saveFailed: "Not saved yet; will retry when online.",
    offline: "No network connection. Try again when you are back online.",
    notSent: "Not sent: the network is down. What you typed is kept; send again when you are online."
  };

  /* Offline (issue 12, item 17): a banner while the phone has no network. An in-app link
     (boosted by htmx) that cannot reach the server becomes a real navigation, which the
     service worker answers with the offline page; a form that could not be sent says so and
     keeps what was typed. */
  var banner = null;
  function offlineBanner(show, text) {
    if (!banner) {
      banner = document.createElement("p");
      banner.className = "offline-banner";
      banner.setAttribute("role", "alert");
      document.body.insertBefore(banner, document.body.firstChild);
    }
    banner.textContent = text || T.offline;
    banner.hidden = !show;
  }
  window.addEventListener("offline", function () { offlineBanner(true); });
  window.addEventListener("online", function () { if (banner) { banner.hidden = true; } });
  if (navigator.onLine === false) { offlineBanner(true); }
  document.addEventListener("htmx:sendError", function (event) {
    var detail = event.detail || {};
    var config = detail.requestConfig || {};
    var verb = String(config.verb || "get").toLowerCase();
    var path = (detail.pathInfo && detail.pathInfo.requestPath) || config.path;
    if (detail.boosted && verb === "get" && path) {
      window.location.assign(path);
      return;
    }
    offlineBanner(true, T.notSent);
  });

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js"); });
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  /* Photos from phone cameras are 3-12 MB; a 2000 px JPEG is enough to read a document and
     uploads in seconds on 3G. Anything the browser cannot decode (a PDF, HEIC on Android)
     goes as it is and the server decides. */
  function shrink(file) {
    if (!/^image\//.test(file.type) || file.type === "image/gif" || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      if (scale === 1 && file.type === "image/jpeg" && file.size < 1500000) { return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(bmp, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          var name = file.name.replace(/\.[^.]+$/, "") + ".jpg";
          resolve(blob ? new File([blob], name, { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  // Shared with the other upload forms (complaints.js).
  window.MotCua = window.MotCua || {};
  window.MotCua.shrink = shrink;

  function progressRow(slot, name) {
    var li = document.createElement("li");
    li.innerHTML = '<span></span><progress max="100" value="0"></progress>';
    li.firstChild.textContent = T.shrinking + ": " + name;
    slot.querySelector(".progress").appendChild(li);
    return li;
  }

  function replaceSlot(slot, html) {
    var box = document.createElement("div");
    box.innerHTML = html.trim();
    var fresh = box.querySelector(".slot");
    if (!fresh) { return slot; }
    slot.replaceWith(fresh);
    updateChecklist();
    return fresh;
  }

  function upload(form, slotId, file) {
    var slot = document.getElementById("slot-" + slotId);
    var row = progressRow(slot, file.name);
    shrink(file).then(function (ready) {
      var data = new FormData();
      data.append("_csrf_token", csrf());
      data.append("slot", slotId);
      data.append("doc-" + slotId, ready, ready.name);
      var xhr = new XMLHttpRequest();
      // form.action would be the button named "action"; read the attribute itself.
      xhr.open("POST", form.dataset.uploadUrl || form.getAttribute("action"));
      xhr.setRequestHeader("HX-Request", "true");
      xhr.setRequestHeader("x-csrftoken", csrf());
      row.firstChild.textContent = T.uploading + ": " + file.name;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { row.lastChild.value = Math.round(100 * e.loaded / e.total); }
      };
      xhr.onload = function () {
        if (xhr.status === 200 || xhr.status === 422) {
          row.remove();
          var current = document.getElementById("slot-" + slotId);
          var pending = current.querySelector(".progress").innerHTML;
          var fresh = replaceSlot(current, xhr.responseText);
          fresh.querySelector(".progress").innerHTML = pending;
        } else { failed(); }
      };
      xhr.onerror = xhr.ontimeout = failed;
      xhr.timeout = 120000;
      xhr.send(data);
      function failed() {
        /* Nothing is lost: the file stays in memory and one tap sends it again. */
        row.className = "failed";
        row.innerHTML = "";
        var msg = document.createElement("span");
        msg.textContent = file.name + ": " + T.failed + " ";
        var again = document.createElement("button");
        again.type = "button"; again.className = "button small"; again.textContent = T.retry;
        again.onclick = function () { row.remove(); upload(form, slotId, file); };
        row.appendChild(msg); row.appendChild(again);
      }
    });
  }

  function updateChecklist() {
    var box = document.getElementById("checklist");
    if (!box) { return; }
    var missing = [];
    document.querySelectorAll(".slot[data-required='1']").forEach(function (s) {
      if (s.dataset.count === "0") { missing.push(s.dataset.name); }
    });
    box.innerHTML = "";
    var p = document.createElement("p");
    if (!missing.length) { p.className = "ok"; p.textContent = T.complete; box.appendChild(p); return; }
    p.textContent = T.missing; box.appendChild(p);
    var ul = document.createElement("ul");
    missing.forEach(function (m) { var li = document.createElement("li"); li.textContent = m; ul.appendChild(li); });
    box.appendChild(ul);
  }

  function autosave(fieldset) {
    var status = document.getElementById("autosave-status");
    var data = new URLSearchParams();
    fieldset.querySelectorAll("input, select").forEach(function (i) {
      if (i.type !== "radio" || i.checked) { data.append(i.name, i.value); }
    });
    fetch(fieldset.dataset.autosave, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "x-csrftoken": csrf(), "HX-Request": "true" }
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      status.textContent = T.saved + new Date().toLocaleTimeString(vi ? "vi-VN" : "en-GB", { hour: "2-digit", minute: "2-digit" });
    }).catch(function () {
      status.textContent = T.saveFailed;
      window.addEventListener("online", function () { autosave(fieldset); }, { once: true });
    });
  }

  document.addEventListener("change", function (e) {
    var input = e.target;
    var form = input.closest && input.closest("[data-dossier]");
    if (!form) { return; }
    if (input.dataset.upload) {
      Array.prototype.forEach.call(input.files, function (f) { upload(form, input.dataset.upload, f); });
      input.value = "";
      return;
    }
    var fieldset = input.closest("[data-autosave]");
    /* A search box (the ward picker's) only finds choices; choosing one is what gets saved. */
    if (fieldset && input.type !== "search") {
      clearTimeout(fieldset._t);
      fieldset._t = setTimeout(function () { autosave(fieldset); }, 300);
    }
  });

  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-delete]");
    if (!btn) { return; }
    e.preventDefault();
    var slot = btn.closest(".slot");
    var data = new URLSearchParams({ slot: slot.dataset.slot });
    btn.disabled = true;
    fetch(btn.dataset.delete, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "x-csrftoken": csrf(), "HX-Request": "true" }
    }).then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { replaceSlot(slot, html); })
      .catch(function () { btn.disabled = false; });
  });
})();
