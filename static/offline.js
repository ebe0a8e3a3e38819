// Learning without a connection, on the device. The queue of what was done offline lives in
// IndexedDB and goes to /api/v1/sync when the connection returns (each item once: the server
// keeps its id). Everything is kept per user (the opaque key in <meta name=rb-user>): caches are
// named after it and logging out deletes that user's caches and queue.
// The service worker loads this file too (importScripts); the page part is skipped there.
(function (root) {
  "use strict";
  var opened;

  function db() {
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        var req = indexedDB.open("rb-offline", 1);
        req.onupgradeneeded = function () {
          ["queue", "downloads", "notices"].forEach(function (name) {
            req.result.createObjectStore(name, {keyPath: "id"}).createIndex("user", "user");
          });
          req.result.createObjectStore("meta");
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return opened;
  }

  function tx(store, mode, work) {
    return db().then(function (conn) {
      return new Promise(function (resolve, reject) {
        var t = conn.transaction(store, mode), req = work(t.objectStore(store)), result;
        if (req) { req.onsuccess = function () { result = req.result; }; }
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }

  function all(store, user) {
    return tx(store, "readonly", function (s) { return s.index("user").getAll(user || "-"); });
  }
  function put(store, value) { return tx(store, "readwrite", function (s) { return s.put(value); }); }
  function remove(store, id) { return tx(store, "readwrite", function (s) { return s.delete(id); }); }
  function meta(key, value) {
    return tx("meta", value === undefined ? "readonly" : "readwrite", function (s) {
      return value === undefined ? s.get(key) : s.put(value, key);
    });
  }

  function uuid() {
    if (root.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) { h.push((b[i] + 256).toString(16).slice(1)); }
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") + "-" +
      h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  function byAge(a, b) { return a.created - b.created; }

  // Queue an item for /api/v1/sync. Answers of one attempt are merged into one waiting item
  // (a new id each time, so an older copy already on its way is still recorded once).
  function enqueue(user, item) {
    var merge = item.kind === "quiz_attempt" ? all("queue", user) : Promise.resolve([]);
    return merge.then(function (entries) {
      var old = entries.filter(function (e) { return e.item.attempt_id === item.attempt_id; })[0];
      var created = Date.now(), done = Promise.resolve();
      if (old) {
        var answers = {};
        old.item.answers.concat(item.answers).forEach(function (a) { answers[a.slot] = a; });
        item.answers = Object.keys(answers).map(function (k) { return answers[k]; });
        item.submit = item.submit || old.item.submit;
        created = old.created;
        done = remove("queue", old.id);
      }
      item.id = uuid();
      item.at = new Date().toISOString();
      return done.then(function () { return put("queue", {id: item.id, user: user, item: item, created: created}); });
    }).then(changed);
  }

  var flushing = null;
  // Send the signed-in user's queue. Only that user's items go: the handshake names the session.
  function flush() {
    if (!flushing) {
      flushing = fetch("/api/v1/sync", {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { if (!r.ok) { throw new Error("sync " + r.status); } return r.json(); })
        .then(send)
        .then(function (n) { flushing = null; changed(); return n; },
              function (e) { flushing = null; throw e; });
    }
    return flushing;
  }

  function send(hs) {
    return all("queue", hs.user).then(function (entries) {
      if (!entries.length) { return 0; }
      var batch = entries.sort(byAge).slice(0, hs.max_items);
      return fetch("/api/v1/sync", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": hs.csrf_token},
        body: JSON.stringify({items: batch.map(function (e) { return e.item; })})
      }).then(function (r) { if (!r.ok) { throw new Error("sync " + r.status); } return r.json(); })
        .then(function (body) {
          return Promise.all(body.results.map(function (res, i) {
            var entry = batch[i];
            if (res.code === "batch_too_large") { return null; }
            var keep = res.status === "refused" || res.status === "error" || entry.item.kind === "quiz_attempt";
            return remove("queue", entry.id).then(function () {
              if (keep) {
                return put("notices", {id: entry.id, user: hs.user, result: res, item: entry.item});
              }
            });
          }));
        }).then(function () { return batch.length; })
        .then(function (n) { return entries.length > batch.length ? send(hs).then(function (m) { return n + m; }) : n; });
    });
  }

  function changed() {
    if (root.document) { root.dispatchEvent(new Event("rb-queue")); return; }
    if (root.clients) {
      root.clients.matchAll().then(function (list) {
        list.forEach(function (c) { c.postMessage({type: "rb-queue"}); });
      });
    }
  }

  // A page stored on the device says when: <html data-saved-at> (the banner shows it offline).
  function savePage(cache, url, response) {
    return response.text().then(function (text) {
      var stamped = text.replace("<html", '<html data-saved-at="' + new Date().toISOString() + '"');
      return caches.open(cache).then(function (c) {
        return c.put(url, new Response(stamped, {headers: {"Content-Type": "text/html; charset=utf-8"}}));
      });
    });
  }

  function userCaches(user) {
    return caches.keys().then(function (keys) {
      return keys.filter(function (k) { return user && k.indexOf("rb-u-" + user + "-") === 0; });
    });
  }

  function clear(stores, user) {
    return Promise.all(stores.map(function (store) {
      return all(store, user).then(function (rows) {
        return Promise.all(rows.map(function (row) { return remove(store, row.id); }));
      });
    }));
  }

  // Everything of one user on this device: caches, downloads, queue, notices.
  function forget(user) {
    return userCaches(user).then(function (keys) {
      return Promise.all(keys.map(function (k) { return caches.delete(k); }));
    }).then(function () { return clear(["queue", "downloads", "notices"], user); });
  }

  var RB = root.RBOffline = {
    all: all, put: put, remove: remove, meta: meta, enqueue: enqueue, flush: flush,
    savePage: savePage, userCaches: userCaches, forget: forget, uuid: uuid,
    forgetDownloads: function (user) { return clear(["downloads", "notices"], user); }
  };
  if (!root.document) { return; }

  // ------------------------------------------------------------ the page
  var doc = root.document, html = doc.documentElement, found = doc.querySelector("meta[name=rb-user]");
  var user = found ? found.content : "";
  RB.user = user;
  RB.later = function () { laterSync(); };

  function $(selector) { return doc.querySelector(selector); }
  function each(selector, fn) { Array.prototype.forEach.call(doc.querySelectorAll(selector), fn); }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "rb-queue") { refresh(); }
    });
  }

  function banner() {
    var el = $("[data-offline-banner]"), saved = html.getAttribute("data-saved-at");
    if (!el) { return; }
    if (saved) {
      var when = new Date(saved).toLocaleString(html.lang === "en" ? "en-GB" : "id-ID",
        {day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit"});
      el.textContent = el.getAttribute("data-saved").replace("{t}", when);
    }
    el.hidden = !saved && navigator.onLine;
  }

  // What waits in the queue shows at once: the count, lessons ticked, progress moved on.
  var waiting = null; // items in this user's queue, once read

  function refresh() {
    if (!user) { return Promise.resolve(); }
    return all("queue", user).then(function (entries) {
      waiting = entries.length;
      var el = $("[data-offline-queue]");
      if (el) {
        el.textContent = el.getAttribute("data-format").replace("{n}", entries.length);
        el.hidden = !entries.length;
      }
      var lessons = {};
      entries.forEach(function (e) { if (e.item.kind === "lesson_completed") { lessons[e.item.lesson_id] = true; } });
      var extra = 0;
      each("[data-lesson-id]", function (li) {
        var id = li.getAttribute("data-lesson-id");
        if (lessons[id] && !li.hasAttribute("data-done")) {
          li.setAttribute("data-done", "queued");
          li.appendChild(doc.createTextNode(" ✓"));
        }
      });
      var progress = $("progress[data-total]");
      if (progress) {
        var done = Number(progress.getAttribute("data-done"));
        Object.keys(lessons).forEach(function (id) {
          if ((progress.getAttribute("data-counted") || "").split(" ").indexOf(id) >= 0 &&
              (progress.getAttribute("data-completed") || "").split(" ").indexOf(id) < 0) { extra++; }
        });
        var total = Number(progress.getAttribute("data-total"));
        if (total && extra) {
          progress.value = Math.min(100, Math.floor(100 * (done + extra) / total));
          var label = progress.nextElementSibling;
          if (label && label.getAttribute("data-format")) {
            label.textContent = label.getAttribute("data-format").replace("{p}", progress.value);
          }
        }
      }
      each("form[data-offline-done]", function (form) {
        if (lessons[form.getAttribute("data-offline-done")]) { queuedNote(form); }
      });
      return all("notices", user);
    }).then(function (notices) {
      var main = $("main");
      (notices || []).forEach(function (n) {
        var p = doc.createElement("p"), res = n.result;
        p.className = "flash" + (res.status === "refused" || res.status === "error" ? " flash-error" : " flash-success");
        p.setAttribute("role", "status");
        var finished = res.detail && res.detail.finished;
        p.textContent = res.message || (res.detail && res.detail.message) ||
          main.getAttribute(finished ? "data-graded" : "data-synced");
        if (finished && res.detail.attempt_id) {
          var a = doc.createElement("a");
          a.href = "/quizzes/attempts/" + res.detail.attempt_id + "/review";
          a.textContent = main.getAttribute("data-review");
          p.appendChild(doc.createTextNode(" "));
          p.appendChild(a);
        }
        main.insertBefore(p, main.firstChild);
        remove("notices", n.id);
      });
    });
  }

  function queuedNote(form) {
    var note = doc.createElement("p");
    note.className = "flash flash-success";
    note.setAttribute("data-queued", "");
    note.textContent = form.getAttribute("data-queued");
    form.parentNode.replaceChild(note, form);
  }

  function trySync() {
    if (!user || !navigator.onLine) { return; }
    flush().then(refresh, function () {});
  }

  function laterSync() {
    if (navigator.serviceWorker && navigator.serviceWorker.ready) {
      navigator.serviceWorker.ready.then(function (reg) {
        if (reg.sync) { return reg.sync.register("rb-sync"); }
      }).catch(function () {});
    }
  }

  // "Tandai selesai" without a connection: queued on the device, ticked at once.
  doc.addEventListener("submit", function (event) {
    var form = event.target;
    var lesson = form.getAttribute("data-offline-done");
    if (lesson && user && !navigator.onLine) {
      event.preventDefault();
      enqueue(user, {kind: "lesson_completed", lesson_id: Number(lesson)}).then(function () {
        laterSync();
        return refresh();
      });
      return;
    }
    // Nothing waiting: a plain logout; the next page tells the service worker to forget this user.
    if (form.getAttribute("action") === "/logout" && user && waiting !== 0 && !form.hasAttribute("data-cleared")) {
      event.preventDefault();
      logout(form);
    }
  });

  // Logging out with items waiting: send what can be sent, ask before dropping the rest, then
  // forget this user here.
  function logout(form) {
    var sent = navigator.onLine ? flush().catch(function () {}) : Promise.resolve();
    sent.then(function () { return all("queue", user); }).then(function (left) {
      var el = $("[data-offline-queue]");
      if (left.length && el && !root.confirm(el.getAttribute("data-confirm").replace("{n}", left.length))) {
        return;
      }
      return forget(user).catch(function () {}).then(function () {
        form.setAttribute("data-cleared", "");
        form.submit();
      });
    });
  }

  // Low-data mode: a large image loads when tapped.
  doc.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.img-wait[data-src]");
    if (!link) { return; }
    event.preventDefault();
    var img = doc.createElement("img");
    ["alt", "width", "height"].forEach(function (name) {
      if (link.hasAttribute("data-" + name)) { img.setAttribute(name, link.getAttribute("data-" + name)); }
    });
    img.src = link.getAttribute("data-src");
    link.parentNode.replaceChild(img, link);
  });

  // The offline shell (no user in it): the courses the last signed-in user downloaded here.
  var shelf = $("[data-offline-downloads]");
  if (shelf) {
    meta("user").then(function (key) { return key ? all("downloads", key) : []; }).then(function (rows) {
      rows.forEach(function (row) {
        var li = doc.createElement("li"), a = doc.createElement("a");
        a.href = row.url;
        a.textContent = row.title;
        li.appendChild(a);
        shelf.querySelector("[data-list]").appendChild(li);
      });
      shelf.hidden = !rows.length;
    }).catch(function () {});
  }

  root.addEventListener("online", function () { banner(); trySync(); });
  root.addEventListener("offline", banner);
  root.addEventListener("rb-queue", refresh);
  banner();
  refresh().then(trySync);
})(self);
