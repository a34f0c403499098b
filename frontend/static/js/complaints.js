/* Complaint forms (phản ánh, kiến nghị). The forms work without this file; it shrinks phone
   photos before they are sent (a 2000 px JPEG is enough to read a receipt and uploads in
   seconds on 3G), lists the files chosen, keeps to the number allowed, and stops a second tap
   from sending the complaint twice. */
(function () {
  "use strict";
  if (window.motcuaComplaints) { return; }  /* htmx may run this script again after a swap */
  window.motcuaComplaints = true;
  var vi = document.documentElement.lang !== "en";
  var T = vi ? {
    tooMany: "Chỉ gửi kèm tối đa {n} tệp. Hãy chọn lại những ảnh rõ nhất.",
    shrinking: "Đang thu nhỏ ảnh…", sending: "Đang gửi…"
  } : {
    tooMany: "At most {n} files. Please choose the clearest ones again.",
    shrinking: "Shrinking photos…", sending: "Sending…"
  };

  // The same downsizing as the dossier uploads (app.js, loaded first on every page).
  var shrink = window.MotCua.shrink;

  function size(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1).replace(".", vi ? "," : ".") + " MB"
      : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function show(list, files, message) {
    list.innerHTML = "";
    if (message) {
      var bad = document.createElement("li");
      bad.className = "bad";
      bad.textContent = message;
      list.appendChild(bad);
    }
    files.forEach(function (f) {
      var li = document.createElement("li");
      li.textContent = f.name + " (" + size(f.size) + ")";
      list.appendChild(li);
    });
  }

  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.classList || !input.classList.contains("file-input")) { return; }
    var list = input.parentElement.querySelector(".chosen-files");
    var max = parseInt(input.dataset.maxFiles, 10) || 5;
    var files = Array.prototype.slice.call(input.files);
    if (files.length > max) {
      input.value = "";
      show(list, [], T.tooMany.replace("{n}", max));
      return;
    }
    if (!window.DataTransfer) { show(list, files); return; }
    var button = input.form && input.form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    show(list, [], "");
    list.textContent = T.shrinking;
    Promise.all(files.map(shrink)).then(function (ready) {
      var box = new DataTransfer();
      ready.forEach(function (f) { box.items.add(f); });
      input.files = box.files;
      show(list, ready);
    }).catch(function () { show(list, files); }).then(function () {
      if (button) { button.disabled = false; }
    });
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("[data-complaint-form]")) { return; }
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    var button = form.querySelector("button[type=submit]");
    if (button) { button.dataset.label = button.textContent; button.textContent = T.sending; }
  });

  /* Back to a form kept in the browser's memory: it can be sent again. */
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-complaint-form][data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      var button = form.querySelector("button[type=submit]");
      if (button && button.dataset.label) { button.textContent = button.dataset.label; }
    });
  });
})();
