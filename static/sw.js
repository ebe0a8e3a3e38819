// The service worker (served at /sw.js; the server puts VERSION, ASSETS and SHELL before this).
// Pages: network first, the copy saved on this device when the network fails (stamped with the
// time it was saved), the offline shell when there is none. Versioned static files: cache first.
// Course files downloaded for offline use: from their cache. Saved pages are kept per user
// ("rb-u-<user>-..."), and only the signed-in user's are ever served.
/* global VERSION, ASSETS, SHELL, RBOffline */
importScripts(ASSETS.filter(function (a) { return a.indexOf("/offline.js") > 0; })[0]);

var RB = self.RBOffline;
var STATIC = "rb-static-" + VERSION;
var PAGES_KEPT = 60;
var IMAGE_KEPT_BYTES = 512 * 1024;
var user; // the key of the user the pages belong to; null when nobody is signed in

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) {
    return Promise.all([
      cache.addAll(ASSETS),
      // The shell is the anonymous page: no user's data in it.
      fetch(SHELL, {credentials: "omit"}).then(function (r) { return cache.put(SHELL, r); })
    ]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("rb-static-") === 0 && k !== STATIC; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function currentUser() {
  if (user !== undefined) { return Promise.resolve(user); }
  return RB.meta("user").then(function (u) { user = u || null; return user; });
}

// A page says whose it is. Another user signed in on this phone: the previous one's pages go.
function setUser(key) {
  return currentUser().then(function (previous) {
    if (previous === key) { return; }
    user = key;
    return RB.meta("user", key).then(function () {
      return key ? RB.meta("owner") : null;
    }).then(function (owner) {
      if (!key) { return; }
      return RB.meta("owner", key).then(function () {
        if (owner && owner !== key) { return dropCaches(owner); }
      });
    });
  });
}

function dropCaches(key) {
  return RB.userCaches(key).then(function (names) {
    return Promise.all(names.map(function (n) { return caches.delete(n); }));
  });
}

function fromUserCaches(request) {
  return currentUser().then(RB.userCaches).then(function (names) {
    return names.reduce(function (found, name) {
      return found.then(function (hit) {
        return hit || caches.open(name).then(function (c) { return c.match(request, {ignoreVary: true}); });
      });
    }, Promise.resolve(undefined));
  });
}

function trim(cache) {
  return cache.keys().then(function (keys) {
    return Promise.all(keys.slice(0, Math.max(0, keys.length - PAGES_KEPT)).map(function (k) { return cache.delete(k); }));
  });
}

function keepPage(key, url, response) {
  var name = "rb-u-" + key + "-pages";
  return RB.savePage(name, url, response.clone()).then(function () {
    return caches.open(name).then(trim);
  }).then(function () {
    // A page of a downloaded course stays fresh there too (its progress, its ticks).
    return RB.userCaches(key).then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("-course-") > 0; }).map(function (n) {
        return caches.open(n).then(function (c) {
          return c.match(url).then(function (hit) { return hit && RB.savePage(n, url, response.clone()); });
        });
      }));
    });
  });
}

function page(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    var key = response.headers.get("X-Offline-User");
    var cleared = response.headers.get("X-Offline-Clear");
    var html = (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
    var work = Promise.resolve(), copy = response.clone(); // the browser reads the original
    if (cleared) {
      // Logged out: the user's pages and downloads go. A queue still holding items (a logout from
      // a page without the offline script) stays, unseen, until this user signs in again.
      work = dropCaches(cleared).then(function () { return RB.forgetDownloads(cleared); });
    }
    if (html && response.type === "basic") {
      work = work.then(function () { return setUser(key || null); });
      if (key && response.ok && !/no-store/.test(response.headers.get("Cache-Control") || "")) {
        work = work.then(function () { return keepPage(key, request.url, copy); });
      }
    }
    event.waitUntil(work.catch(function () {}));
    return response;
  }, function () {
    return fromUserCaches(request).then(function (hit) {
      return hit || caches.match(SHELL);
    });
  });
}

function media(request) {
  return fromUserCaches(request).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      var size = Number(response.headers.get("Content-Length") || 0);
      var image = (response.headers.get("Content-Type") || "").indexOf("image/") === 0;
      if (response.ok && image && size && size <= IMAGE_KEPT_BYTES) {
        currentUser().then(function (key) {
          if (key) { caches.open("rb-u-" + key + "-pages").then(function (c) { c.put(request, response.clone()); }); }
        });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname === "/sw.js") { return; }
  if (url.pathname.indexOf("/api/") === 0) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok && url.searchParams.has("v")) {
          var copy = response.clone();
          caches.open(STATIC).then(function (c) { c.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  if (request.mode === "navigate") { event.respondWith(page(event)); return; }
  if (url.pathname.indexOf("/courses/media/") === 0) { event.respondWith(media(request)); return; }
  event.respondWith(fetch(request).catch(function () {
    return fromUserCaches(request).then(function (hit) { return hit || Response.error(); });
  }));
});

// Background Sync: the queue goes out when the connection returns, even with the tab closed.
self.addEventListener("sync", function (event) {
  if (event.tag === "rb-sync") { event.waitUntil(RB.flush()); }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "flush") { event.waitUntil(RB.flush().catch(function () {})); }
});
