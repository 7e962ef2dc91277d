// The app on the phone (issue 13): registers the service worker for the signed-in account,
// shows the outbox in the header ("2 menunggu dikirim", and what the server refused and
// why) and sends it when the connection returns: on `online`, on every page open, and
// through Background Sync where the browser has it. Forms opt in with `data-outbox`; the
// delivery form's own script (photos.js) hands its form and resized photos to `keep`.
(function () {
  "use strict";
  var user = document.body.dataset.offlineUser || "";

  // Only for a signed-in account: a signed-out page has nothing to keep, and a worker
  // installed on the sign-in page would be replaced by the account's one moments later
  // (two installs racing at sign-in, the first page answered by the wrong one).
  function register() {
    if (!("serviceWorker" in navigator) || !user) return Promise.resolve(null);
    // The account's key is in the worker's URL: another account signing in installs a
    // new worker, which deletes the previous account's cached pages.
    return navigator.serviceWorker.register("/sw.js?u=" + encodeURIComponent(user),
                                            {scope: "/"}).catch(function () { return null; });
  }

  function ours(worker) {
    return !!worker && new URL(worker.scriptURL).searchParams.get("u") === user;
  }

  // The account's worker once it is active (at sign-in it is still installing the shell).
  function accountWorker(registration) {
    return new Promise(function (resolve) {
      function check() {
        if (ours(registration.active)) resolve(registration.active);
      }
      function watchWorker(worker) {
        if (worker) worker.addEventListener("statechange", check);
      }
      watchWorker(registration.installing);
      watchWorker(registration.waiting);
      registration.addEventListener("updatefound", function () {
        watchWorker(registration.installing);
      });
      check();
    });
  }

  // Resolves true once this page (one the server marked as kept on the phone) is in the
  // account's cache, false for pages that are not kept or with no worker at all. The page
  // open while the worker installed was not answered by it; the worker fetches it then.
  function keepThisPage(registration) {
    if (!registration || document.body.dataset.offlinePage !== "1") return false;
    return accountWorker(registration).then(function (worker) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data === true); };
        worker.postMessage({keep: window.location.href.split("#")[0]}, [channel.port2]);
      });
    });
  }

  var kept = null;
  var keptState = "waiting";  // then true or false, as `kept` resolves

  function randomToken() {
    var bytes = new Uint8Array(24);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-")
      .replace(/\//g, "_").replace(/=+$/, "");
  }

  function badge() { return document.querySelector("[data-outbox-box]"); }

  // Said in the page's flash messages (one live region per page, as the server's own).
  function say(text) {
    var main = document.querySelector("main");
    if (!main) return;
    var flashes = main.querySelector(".flashes");
    if (!flashes) {
      flashes = document.createElement("div");
      flashes.className = "flashes";
      flashes.setAttribute("role", "status");
      flashes.setAttribute("aria-live", "polite");
      main.prepend(flashes);
    }
    var status = flashes.querySelector("[data-outbox-status]");
    if (!status) {
      status = document.createElement("p");
      status.className = "flash flash-info";
      status.dataset.outboxStatus = "";
      flashes.append(status);
    }
    status.textContent = text;
  }

  function entryItem(entry) {
    var item = document.createElement("li");
    item.dataset.outboxEntry = entry.key;
    var label = document.createElement("span");
    label.textContent = (entry.title || "Kiriman") + (entry.state === "refused"
      ? " — ditolak: " + entry.reason : " — menunggu sinyal");
    item.append(label);
    if (entry.state === "refused") {
      var fix = document.createElement("button");
      fix.type = "button";
      fix.className = "secondary outline";
      fix.textContent = "Perbaiki";
      fix.addEventListener("click", function () { correct(entry); });
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "secondary outline";
      drop.textContent = "Buang";
      drop.addEventListener("click", function () {
        if (window.confirm("Buang kiriman ini? Isiannya akan hilang dari ponsel.")) {
          AsuhOutbox.remove(entry.key).then(refresh);
        }
      });
      item.append(" ", fix, " ", drop);
    }
    return item;
  }

  function refresh() {
    var box = badge();
    if (!box || !user) return Promise.resolve();
    return AsuhOutbox.all(user).then(function (entries) {
      var waiting = entries.filter(function (e) { return e.state === "waiting"; }).length;
      var refused = entries.length - waiting;
      var parts = [];
      if (waiting) parts.push(waiting + " menunggu dikirim");
      if (refused) parts.push(refused + " ditolak");
      box.querySelector("[data-outbox-count]").textContent = parts.join(", ");
      var list = box.querySelector("[data-outbox-list]");
      list.replaceChildren.apply(list, entries.map(entryItem));
      box.hidden = entries.length === 0;
    });
  }

  function sendNow() {
    if (!user || !navigator.onLine) return Promise.resolve();
    return AsuhOutbox.sendAll(user).then(function (outcome) {
      if (outcome.sent) say(outcome.sent + " kiriman terkirim.");
      return refresh();
    });
  }

  // Saves a form (and the photos chosen for it) in the outbox. The form's one-time token
  // is the entry's key; the form then gets a new token, for the next delivery.
  function keep(form, photos) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") fields.push([name, value]);
    });
    var tokenField = form.querySelector("[name='submission_token']");
    var key = (tokenField && tokenField.value) || randomToken();
    var entry = {key: key, user: user, kind: form.dataset.outbox || "form",
                 title: form.dataset.outboxTitle || document.title,
                 url: new URL(form.getAttribute("action") || window.location.href,
                              window.location.href).href,
                 fields: fields, state: "waiting", reason: "", created: Date.now(),
                 files: (photos || []).map(function (photo) {
                   return {field: "photos", blob: photo.blob, name: photo.name};
                 })};
    var saved = false;
    return AsuhOutbox.put(entry).then(function () {
      saved = true;
      if (tokenField) tokenField.value = randomToken();
      form.reset();
      if (window.AsuhPhotos) window.AsuhPhotos.clear();
      say("Belum ada sinyal: tersimpan di ponsel dan akan dikirim otomatis saat ada sinyal.");
      return navigator.serviceWorker && navigator.serviceWorker.ready.then(function (reg) {
        return reg.sync && reg.sync.register("asuh-outbox");
      }).catch(function () {});
    }).then(refresh).catch(function (error) {
      // Not saved on the phone (storage full or blocked): the form keeps what was typed.
      if (!saved) {
        say("Belum ada sinyal dan isian tidak dapat disimpan di ponsel; isian tetap di " +
            "formulir, kirim lagi saat ada sinyal.");
      }
      interrupted(error);
    });
  }

  // A refused entry goes back into its form, to be corrected and sent again.
  function correct(entry) {
    var here = window.location.href.split("#")[0];
    if (here !== entry.url) {
      window.location.assign(entry.url + "#outbox=" + encodeURIComponent(entry.key));
      return;
    }
    var form = document.querySelector("form[data-outbox]");
    if (!form) return;
    entry.fields.forEach(function (pair) {
      if (pair[0] === "csrf_token") return;
      var field = form.elements.namedItem(pair[0]);
      if (field && field.type === "checkbox") field.checked = true;
      else if (field) field.value = pair[1];
    });
    if (window.AsuhPhotos) {
      window.AsuhPhotos.clear();
      (entry.files || []).forEach(function (file) { window.AsuhPhotos.add(file.blob, file.name); });
    }
    var errors = document.createElement("div");
    errors.className = "form-errors";
    errors.setAttribute("role", "alert");
    errors.textContent = "Ditolak server: " + entry.reason;
    form.prepend(errors);
    AsuhOutbox.remove(entry.key).then(refresh);
  }

  function replaceMain(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var main = fresh.querySelector("main");
    if (!main) return false;
    document.querySelector("main").replaceWith(document.adoptNode(main));
    document.title = fresh.title;
    return true;
  }

  // Other outbox forms (a measurement): sent by fetch, so a dropped connection keeps the
  // figures in the outbox instead of ending on the browser's error page.
  function submitted(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-outbox]:not([data-photo-form])") || !user) {
      return;
    }
    event.preventDefault();
    if (!navigator.onLine) { keep(form); return; }
    var button = form.querySelector("button[type='submit']");
    if (button) button.setAttribute("aria-busy", "true");
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"X-Requested-With": "XMLHttpRequest"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("application/json") === 0) {
          return response.json().then(function (body) { window.location.assign(body.location); });
        }
        return response.text().then(function (html) {
          if (!replaceMain(html)) window.location.reload();
        });
      }, function () { return keep(form); })
      .finally(function () { if (button) button.removeAttribute("aria-busy"); });
  }

  document.addEventListener("submit", submitted);

  // The outbox's background work (showing, sending) cut off: signing out wipes IndexedDB
  // under a page still reading it ("Force close delete origin"). What waits stays in the
  // outbox, or was wiped on purpose; the next page open tries again.
  function interrupted(error) {
    if (window.console) console.warn("Asuh outbox:", error);
  }

  document.addEventListener("DOMContentLoaded", function () {
    kept = register().then(keepThisPage).then(function (done) {
      keptState = done;
      return done;
    });
    // Signed out: the outbox is left alone (a lapsed session's entries wait for their
    // owner to sign in again; signing out itself wipes them with Clear-Site-Data).
    if (!window.indexedDB || !user) return;
    AsuhOutbox.forgetOthers(user).then(refresh).then(sendNow).then(function () {
      var wanted = /#outbox=([^&]+)/.exec(window.location.hash);
      if (!wanted) return;
      return AsuhOutbox.all(user).then(function (entries) {
        entries.filter(function (e) { return e.key === decodeURIComponent(wanted[1]); })
          .forEach(correct);
      });
    }).catch(interrupted);
    window.addEventListener("online", function () { sendNow().catch(interrupted); });
    if (window.BroadcastChannel) {
      new BroadcastChannel(AsuhOutbox.CHANNEL).addEventListener("message", function (event) {
        if (event.data && event.data.sent) say(event.data.sent + " kiriman terkirim.");
        refresh().catch(interrupted);
      });
    }
  });

  window.AsuhOffline = {keep: keep, refresh: refresh, sendNow: sendNow,
                       // Whether this page is on the phone for use without signal.
                       kept: function () { return kept || Promise.resolve(false); },
                       keptState: function () { return keptState; }};
})();
