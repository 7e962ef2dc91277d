// The outbox (issue 13): forms sent without signal wait on the phone, in IndexedDB, and go
// when the connection returns. Loaded by pages (static/js/offline.js shows and drives it)
// and by the service worker (Background Sync), so it uses nothing of the page: only
// IndexedDB, fetch and FormData.
//
// Each entry carries its form's idempotency token (the delivery form's one-time
// submission token) from the moment it is saved: however often it is resent (a lost
// answer, the page and the worker both trying), the server stores it once. An entry the
// server refuses is kept, with the server's reason, until the user corrects and resends
// or discards it; only an accepted entry is deleted. Entries belong to one account (its
// cache key): nothing is sent under another account's session.
//
// Plain IndexedDB (one object store, a handful of calls) rather than a library: the
// wrapper libraries' value is promise plumbing for many stores and versions, which this
// one store does not need, and the file must also load in the worker with importScripts.
(function (scope) {
  "use strict";
  var DB_NAME = "asuh-outbox";
  var STORE = "entries";
  var CHANNEL = "asuh-outbox";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, {keyPath: "key"});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  // Whether the outbox exists: reading it must not create it again (a Background Sync
  // firing just after sign-out wiped the site's storage would leave an empty one behind).
  function exists() {
    if (!indexedDB.databases) return Promise.resolve(true);
    return indexedDB.databases().then(function (found) {
      return found.some(function (db) { return db.name === DB_NAME; });
    });
  }

  function all(user) {
    return run("readonly", function (store) { return store.getAll(); }).then(function (rows) {
      return (rows || []).filter(function (row) { return user === undefined || row.user === user; })
        .sort(function (a, b) { return a.created - b.created; });
    });
  }

  function put(entry) { return run("readwrite", function (store) { store.put(entry); }); }
  function remove(key) { return run("readwrite", function (store) { store.delete(key); }); }

  // Tells every open Asuh page (and the worker's sends reach them too) what changed.
  function announce(outcome) {
    if (scope.BroadcastChannel) {
      var channel = new BroadcastChannel(CHANNEL);
      channel.postMessage(outcome || {});
      channel.close();
    }
  }

  function text(html) {
    return html.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  }

  // The server's reasons on a refused form: its form-level errors and each field's error.
  function reasons(html) {
    var found = [];
    var pattern = /<div class="form-errors"[^>]*>([\s\S]*?)<\/div>|<small[^>]*id="[^"]*-error"[^>]*>([\s\S]*?)<\/small>/g;
    var match;
    while ((match = pattern.exec(html))) found.push(text(match[1] || match[2]));
    if (!found.length) {
      var title = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html);
      found.push(title ? text(title[1]) : "Ditolak oleh server.");
    }
    return found.join(" ");
  }

  async function freshToken(user) {
    var response = await fetch("/app/csrf", {credentials: "same-origin",
                                             headers: {"Accept": "application/json"}});
    if (!response.ok || response.redirected) return null;  // signed out: wait for sign-in
    var body = await response.json();
    return body.user === user ? body.csrf_token : null;
  }

  // One attempt: "sent", "refused" or "waiting" (no signal, signed out, server trouble).
  async function send(entry) {
    var token;
    try { token = await freshToken(entry.user); } catch (error) { return "waiting"; }
    if (!token) return "waiting";
    var data = new FormData();
    entry.fields.forEach(function (pair) {
      data.append(pair[0], pair[0] === "csrf_token" ? token : pair[1]);
    });
    (entry.files || []).forEach(function (file) { data.append(file.field, file.blob, file.name); });
    var response;
    try {
      response = await fetch(entry.url, {method: "POST", body: data, credentials: "same-origin",
                                         headers: {"X-Requested-With": "XMLHttpRequest"}});
    } catch (error) {
      return "waiting";
    }
    var type = response.headers.get("Content-Type") || "";
    if (response.ok && type.indexOf("application/json") === 0) {
      var body = await response.json();
      await remove(entry.key);
      entry.location = body.location;
      return "sent";
    }
    if (response.redirected || response.status >= 500 || response.status === 429) return "waiting";
    entry.state = "refused";
    entry.reason = type.indexOf("application/json") === 0
      ? ((await response.json()).message || "Ditolak oleh server.")
      : reasons(await response.text());
    await put(entry);
    return "refused";
  }

  var sending = null;

  // Every waiting entry of this account, one after another (a phone's one bar of signal
  // carries one upload at a time better than several).
  function sendAll(user) {
    if (sending) return sending;
    sending = (async function () {
      var outcome = {sent: 0, refused: 0, waiting: 0};
      if (!(await exists())) return outcome;
      var entries = await all(user);
      for (var i = 0; i < entries.length; i++) {
        if (entries[i].state !== "waiting") continue;
        outcome[await send(entries[i])] += 1;
      }
      if (outcome.sent || outcome.refused) announce(outcome);
      return outcome;
    })().finally(function () { sending = null; });
    return sending;
  }

  function forgetOthers(user) {
    return exists().then(function (found) { return found ? all() : []; }).then(function (entries) {
      return Promise.all(entries.filter(function (entry) { return entry.user !== user; })
        .map(function (entry) { return remove(entry.key); }));
    });
  }

  scope.AsuhOutbox = {
    all: all, put: function (entry) { return put(entry).then(function () { announce(); }); },
    remove: function (key) { return remove(key).then(function () { announce(); }); },
    sendAll: sendAll, forgetOthers: forgetOthers, reasons: reasons, CHANNEL: CHANNEL,
  };
})(self);
