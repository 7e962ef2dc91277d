// Delivery photos on a phone (issue 18): each photo is resized here before it is sent
// (long side 1600 px, JPEG, at most 300 KB: a 3 MB camera photo would take a minute on
// slow 3G), previewed, sent with a progress bar, and KEPT when the server refuses the
// form. The form is sent by XHR and a refused form's new HTML replaces the old one in
// place, so the resized photos stay in this page's memory and are sent again with the
// corrected form: nothing is stored on the server for a delivery that does not exist yet
// (no pending upload to expire, to protect or to clean up). The server checks and
// re-encodes every photo as before. Without this script (or where the browser cannot
// decode a photo, e.g. HEIC) the plain form posts the original files, and still works.
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var MAX_BYTES = 300 * 1024;
  var QUALITIES = [0.82, 0.72, 0.62, 0.52, 0.45];
  var kept = [];  // {blob, name, url} in the order chosen
  var pending = Promise.resolve();

  function jpeg(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  function draw(bitmap, side) {
    var ratio = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * ratio));
    canvas.height = Math.max(1, Math.round(bitmap.height * ratio));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  async function resize(file) {
    // "from-image" applies the camera's EXIF orientation, so a portrait photo stays upright.
    var bitmap = await createImageBitmap(file, {imageOrientation: "from-image"});
    try {
      for (var side = MAX_SIDE; side >= 400; side = Math.round(side * 0.8)) {
        var canvas = draw(bitmap, side);
        for (var i = 0; i < QUALITIES.length; i++) {
          var blob = await jpeg(canvas, QUALITIES[i]);
          if (blob && blob.size <= MAX_BYTES) return blob;
        }
      }
      return blob;
    } finally {
      bitmap.close();
    }
  }

  async function take(file) {
    var blob = file;
    if (window.createImageBitmap) {
      try { blob = await resize(file); } catch (error) { blob = file; }
    }
    var name = file.name.replace(/\.[^.]*$/, "") + (blob === file ? "" : ".jpg");
    kept.push({blob: blob, name: blob === file ? file.name : name,
               url: URL.createObjectURL(blob)});
  }

  function kilobytes(size) {
    return Math.max(1, Math.round(size / 1024)).toLocaleString("id-ID") + " KB";
  }

  function showPreviews(form) {
    var list = form.querySelector("[data-photo-previews]");
    if (!list) return;
    list.replaceChildren();
    kept.forEach(function (photo, index) {
      var item = document.createElement("li");
      var image = document.createElement("img");
      image.src = photo.url;
      image.alt = "Foto " + (index + 1) + " yang akan dikirim (" + kilobytes(photo.blob.size) + ")";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary outline";
      remove.textContent = "Hapus foto " + (index + 1);
      remove.addEventListener("click", function () {
        URL.revokeObjectURL(photo.url);
        kept.splice(kept.indexOf(photo), 1);
        showPreviews(form);
      });
      var size = document.createElement("small");
      size.textContent = kilobytes(photo.blob.size);
      item.append(image, size, remove);
      list.append(item);
    });
    list.hidden = kept.length === 0;
  }

  function progress(form, fraction) {
    var box = form.querySelector("[data-upload-progress]");
    if (!box) return;
    box.hidden = fraction === null;
    box.querySelector("progress").value = Math.round((fraction || 0) * 100);
  }

  function replacePage(html) {
    // A refused form: its new HTML (errors, the question about a value, the same one-time
    // token) replaces the page's main part; the kept photos are shown in it again.
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var main = fresh.querySelector("main");
    if (!main) return false;
    document.querySelector("main").replaceWith(document.adoptNode(main));
    document.title = fresh.title;
    setUp();
    var invalid = document.querySelector("main [aria-invalid='true'], main .form-errors");
    if (invalid) {
      invalid.scrollIntoView({block: "center"});
      if (invalid.matches("input, select, textarea")) invalid.focus({preventScroll: true});
    }
    return true;
  }

  function keepOffline(form, button) {
    // No signal (issue 13): the form and its resized photos wait in the outbox on the
    // phone (static/js/offline.js) and are sent when the connection returns.
    progress(form, null);
    if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
    var photos = kept.slice();
    return window.AsuhOffline.keep(form, photos);
  }

  function send(form) {
    var button = form.querySelector("button[type='submit']");
    var offline = window.AsuhOffline && form.hasAttribute("data-outbox");
    if (offline && !navigator.onLine) { keepOffline(form, button); return; }
    var data = new FormData(form);
    data.delete("photos");
    kept.forEach(function (photo) { data.append("photos", photo.blob, photo.name); });
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) progress(form, event.loaded / event.total);
    });
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (type.indexOf("application/json") === 0) {
        window.location.assign(JSON.parse(request.responseText).location);
      } else if (!(type.indexOf("text/html") === 0 && replacePage(request.responseText))) {
        failed(form, button);
      }
    });
    request.addEventListener("error", function () {
      if (offline) keepOffline(form, button); else failed(form, button);
    });
    if (button) button.setAttribute("aria-busy", "true");
    if (button) button.disabled = true;
    progress(form, 0);
    request.send(data);
  }

  function failed(form, button) {
    progress(form, null);
    if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
    window.alert("Gagal mengirim. Periksa sinyal internet lalu tekan Simpan lagi; " +
                 "foto dan isian Anda masih ada.");
  }

  function setUp() {
    var form = document.querySelector("form[data-photo-form]");
    if (!form || !window.FormData || !window.XMLHttpRequest) return;
    var input = form.querySelector("input[type='file'][name='photos']");
    showPreviews(form);
    function takeChosen() {
      var files = Array.prototype.slice.call(input.files);
      if (!files.length) return;
      input.value = "";  // sent from `kept`, resized, never the originals
      pending = pending.then(function () {
        return files.reduce(function (chain, file) {
          return chain.then(function () { return take(file); });
        }, Promise.resolve());
      }).then(function () { showPreviews(form); });
    }
    if (input) {
      input.addEventListener("change", takeChosen);
      // On a slow network the form can be used before this script has arrived: a photo
      // chosen by then is taken now.
      takeChosen();
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      pending.then(function () { send(form); });
    });
  }

  // For the outbox: a refused delivery's photos come back into the form to be corrected.
  window.AsuhPhotos = {
    add: function (blob, name) {
      kept.push({blob: blob, name: name, url: URL.createObjectURL(blob)});
      var form = document.querySelector("form[data-photo-form]");
      if (form) showPreviews(form);
    },
    count: function () { return kept.length; },
    clear: function () {
      kept.forEach(function (photo) { URL.revokeObjectURL(photo.url); });
      kept = [];
      var form = document.querySelector("form[data-photo-form]");
      if (form) showPreviews(form);
    },
  };

  document.addEventListener("DOMContentLoaded", setUp);
})();
