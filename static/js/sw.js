// The service worker (issue 13), served at /sw.js with `self.ASUH` in front (the shell's
// fingerprinted URLs, this release's version). It keeps:
// - the app shell (CSS, JS, icons): precached at install, served from the cache (their
//   URLs are content-addressed, so a cached one is never stale);
// - the signed-in user's field pages: network first, the last copy when there is no
//   signal, in a cache named by the user's key (the `u` parameter of this script's URL,
//   an HMAC of the account id), kept 7 days. A page is stored only when the server marked
//   it for this same key (`X-Asuh-Offline`), so another account's worker stores nothing.
//   The account's landing page is kept as the installed app's start page (`/app`) too,
//   so the app opened without signal shows it; a page open while this worker was still
//   installing asks to be kept (static/js/offline.js), the worker fetches it then.
// Pages register the worker only when signed in (one install at sign-in).
// When someone else signs in on the phone, their page registers /sw.js?u=<their key>: the
// new worker activates and deletes every other user's cache. Signing out clears
// everything (the logout answer carries Clear-Site-Data).
"use strict";
importScripts(self.ASUH.outbox);

var USER = new URL(self.location.href).searchParams.get("u") || "";
var SHELL = "asuh-shell-" + self.ASUH.version;
var PAGES = USER ? "asuh-pages-" + USER : null;
var MAX_AGE_MS = self.ASUH.maxAgeDays * 24 * 3600 * 1000;
var STORED_AT = "X-Asuh-Stored-At";
var START = new URL(self.ASUH.start, self.location.origin).href;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(self.ASUH.shell);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name !== SHELL && name !== PAGES;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () {
    // Another account's waiting entries never go out under this one's session.
    return USER ? AsuhOutbox.forgetOthers(USER) : null;
  }).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  var html = "<!doctype html><html lang='id'><meta charset='utf-8'>" +
    "<meta name='viewport' content='width=device-width, initial-scale=1'>" +
    "<title>Tidak ada sinyal · Asuh</title><main style='font-family:sans-serif;padding:1rem'>" +
    "<h1>Tidak ada sinyal</h1><p>Halaman ini belum tersimpan di ponsel. Buka lagi saat ada " +
    "sinyal; halaman yang pernah Anda buka bisa dilihat tanpa sinyal.</p></main></html>";
  return new Response(html, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
}

// Pages being stored, by URL: a page asking to be kept while its own navigation's copy is
// still being written waits for that copy instead of fetching the page again.
var storing = {};

function keep(url, response) {
  var stored = (async function () {
    var headers = new Headers(response.headers);
    headers.set(STORED_AT, String(Date.now()));
    var body = await response.blob();
    var cache = await caches.open(PAGES);
    var urls = [url];
    // The account's landing page is also what the installed app opens with no signal.
    if (response.headers.get("X-Asuh-Start") === "1") urls.push(START);
    await Promise.all(urls.map(function (key) {
      return cache.put(key, new Response(body, {status: response.status,
        statusText: response.statusText, headers: headers}));
    }));
  })();
  storing[url] = stored;
  return stored.finally(function () {
    if (storing[url] === stored) delete storing[url];
  });
}

// This account's fresh copy of a page, or null. Looking never creates the cache: after a
// sign-out wiped the phone's storage, nothing named after the account comes back.
async function keptCopy(url) {
  if (!PAGES || !(await caches.has(PAGES))) return null;
  var cache = await caches.open(PAGES);
  var kept = await cache.match(url);
  if (kept && Date.now() - Number(kept.headers.get(STORED_AT)) < MAX_AGE_MS) return kept;
  if (kept) await cache.delete(url);  // expired: personal data goes
  return null;
}

async function page(event) {
  try {
    var response = await fetch(event.request);
    if (PAGES && response.ok && response.headers.get("X-Asuh-Offline") === USER) {
      event.waitUntil(keep(event.request.url, response.clone()));
    }
    return response;
  } catch (error) {
    var path = new URL(event.request.url).pathname;
    var start = path === "/" || path === self.ASUH.start;
    return (await keptCopy(event.request.url)) || (start && await keptCopy(START)) ||
      offlinePage();
  }
}

// A page asks to be kept (static/js/offline.js): the one open when this worker took over
// at sign-in was answered by the network, not by this worker, so nothing stored it.
// Answers whether the page is now on the phone.
async function keepPage(url) {
  if (!PAGES || new URL(url).origin !== self.location.origin) return false;
  if (storing[url]) await storing[url].catch(function () {});
  if (await keptCopy(url)) return true;
  var response;
  try {
    response = await fetch(url, {credentials: "same-origin"});
  } catch (error) {
    return false;
  }
  if (!response.ok || response.headers.get("X-Asuh-Offline") !== USER) return false;
  await keep(url, response);
  return true;
}

async function asset(request) {
  var cached = await caches.match(request, {cacheName: SHELL});
  return cached || fetch(request);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (self.ASUH.shell.indexOf(url.pathname) >= 0) {
    event.respondWith(asset(request));
  }
});

// Background Sync (Chromium): the outbox is sent even when no Asuh page is open.
self.addEventListener("sync", function (event) {
  if (event.tag === "asuh-outbox" && USER) event.waitUntil(AsuhOutbox.sendAll(USER));
});

self.addEventListener("message", function (event) {
  if (event.data === "asuh-outbox" && USER) event.waitUntil(AsuhOutbox.sendAll(USER));
  if (event.data && event.data.keep && event.ports[0]) {
    event.waitUntil(keepPage(event.data.keep).then(function (kept) {
      event.ports[0].postMessage(kept);
    }));
  }
});
