// "Unduh untuk luring": store a course's pages, images and attachments (videos only when asked,
// their size shown first) in the Cache API, with a progress bar, the space it needs and the space
// left (StorageManager); "Hapus unduhan" frees it. The service worker serves them offline.
(function () {
  "use strict";
  var RB = window.RBOffline, box = document.querySelector("[data-offline-download]");
  if (!RB || !box || !RB.user || !window.caches || !navigator.serviceWorker) { return; }
  var $ = function (s) { return box.querySelector(s); };
  var status = $("[data-status]"), bar = $("[data-bar]"), start = $("[data-start]"), drop = $("[data-remove]");
  var id = RB.user + ":" + box.getAttribute("data-id"), pack = null, loading = null;
  var locale = document.documentElement.lang === "en" ? "en-GB" : "id-ID";
  box.hidden = false;

  function size(bytes) {
    var mb = bytes / 1048576;
    return mb >= 1 ? mb.toLocaleString(locale, {maximumFractionDigits: 1}) + " MB"
      : Math.max(1, Math.round(bytes / 1024)).toLocaleString(locale) + " KB";
  }
  function say(name, values) {
    var text = box.getAttribute("data-" + name);
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    status.textContent = text;
    status.hidden = false;
  }

  function showSaved() {
    return RB.all("downloads", RB.user).then(function (rows) {
      var row = rows.filter(function (r) { return r.id === id; })[0];
      drop.hidden = !row;
      if (row) {
        say("saved", {t: new Date(row.saved).toLocaleString(locale, {dateStyle: "medium", timeStyle: "short"}),
          size: size(row.bytes)});
      }
      return row;
    });
  }

  function summary() {
    var need = pack.bytes + ($("[data-videos]").checked ? pack.video_bytes : 0);
    var text = box.getAttribute("data-need").replace("{size}", size(need));
    var estimate = navigator.storage && navigator.storage.estimate ? navigator.storage.estimate() : Promise.resolve(null);
    return estimate.then(function (e) {
      if (e && e.quota) { text += " " + box.getAttribute("data-free").replace("{free}", size(e.quota - e.usage)); }
      $("[data-summary]").textContent = text;
    });
  }

  // The course's list of files. On a slow link it may still be on its way when the button is
  // pressed: the press waits for it (a failed one is asked for again).
  function load() {
    loading = fetch(box.getAttribute("data-offline-download"), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        pack = data;
        if (pack.video_bytes) {
          var label = $("[data-video-label]");
          label.textContent = label.getAttribute("data-video-label").replace("{size}", size(pack.video_bytes));
          $("[data-video-choice]").hidden = false;
        }
        return summary();
      });
    loading.catch(function () { loading = null; });
    return loading;
  }

  function download() {
    var withVideos = $("[data-videos]").checked;
    var list = pack.assets.map(function (url) { return {url: url, bytes: 0}; })
      .concat(pack.pages.map(function (p) { return {url: p.url, bytes: p.bytes, page: true}; }))
      .concat(pack.files.filter(function (f) { return withVideos || !f.optional; }));
    var total = list.reduce(function (sum, x) { return sum + x.bytes; }, 0) || 1, done = 0, n = 0;
    start.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
    return caches.open(pack.cache).then(function (cache) {
      return list.reduce(function (chain, entry) {
        return chain.then(function () {
          n += 1;
          say("progress", {n: n, total: list.length});
          return fetch(entry.url, {credentials: "same-origin"}).then(function (response) {
            if (!response.ok) { throw new Error(entry.url + " " + response.status); }
            return entry.page ? RB.savePage(pack.cache, entry.url, response) : cache.put(entry.url, response);
          }).then(function () {
            done += entry.bytes;
            bar.value = Math.round(100 * done / total);
          });
        });
      }, Promise.resolve());
    }).then(function () {
      bar.value = 100;
      return RB.put("downloads", {id: id, user: RB.user, slug: box.getAttribute("data-id"),
        title: box.getAttribute("data-title"), url: box.getAttribute("data-url"), cache: pack.cache,
        bytes: total, saved: Date.now()});
    }).then(function () {
      say("done");
      drop.hidden = false;
      return summary();
    }).catch(function () { say("failed"); }).then(function () { start.disabled = false; });
  }

  start.addEventListener("click", function () {
    if (pack) { download(); return; }
    start.disabled = true;
    say("preparing");
    (loading || load()).then(download, function () {
      say("offline");
      start.disabled = false;
    });
  });
  drop.addEventListener("click", function () {
    RB.all("downloads", RB.user).then(function (rows) {
      var row = rows.filter(function (r) { return r.id === id; })[0];
      return Promise.all([caches.delete(row ? row.cache : pack.cache), RB.remove("downloads", id)]);
    }).then(function () {
      drop.hidden = true;
      bar.hidden = true;
      say("removed");
      return pack && summary();
    });
  });
  $("[data-videos]").addEventListener("change", function () { if (pack) { summary(); } });

  showSaved().then(function (row) {
    return (loading || load()).catch(function () { if (!row) { say("offline"); } });
  });
})();
