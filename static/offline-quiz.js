// A practice quiz answered without a connection: the answers wait on the device (IndexedDB,
// through offline.js) and the server grades them when they arrive. Online, the same path sends
// them at once and opens the result. Without JavaScript the form posts like any quiz page.
(function () {
  "use strict";
  var RB = window.RBOffline, form = document.querySelector("form[data-offline-attempt]");
  if (!RB || !form || !RB.user) { return; }
  var attempt = Number(form.getAttribute("data-offline-attempt"));

  function answers() {
    return Array.prototype.map.call(form.querySelectorAll("fieldset[data-slot]"), function (fieldset) {
      var slot = fieldset.getAttribute("data-slot"), values = {}, prefix = "q" + slot + "-";
      fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (el.name.indexOf(prefix) !== 0 || el.disabled) { return; }
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
        if (el.value === "") { return; }
        var name = el.name.slice(prefix.length);
        (values[name] = values[name] || []).push(el.value);
      });
      return {slot: Number(slot), values: values};
    });
  }

  function lock(text) {
    form.querySelectorAll("input, select, textarea, button").forEach(function (el) { el.disabled = true; });
    var note = form.querySelector("[data-practice-note]") || document.createElement("p");
    note.className = "flash flash-success";
    note.setAttribute("data-practice-note", "");
    note.setAttribute("role", "status");
    note.textContent = text;
    form.insertBefore(note, form.firstChild);
  }

  function showResult() {
    return RB.all("notices", RB.user).then(function (notices) {
      var mine = notices.filter(function (n) { return n.item.attempt_id === attempt; })[0];
      if (mine && mine.result.detail && mine.result.detail.finished) {
        return RB.remove("notices", mine.id).then(function () {
          window.location = "/quizzes/attempts/" + attempt + "/review";
        });
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var item = {kind: "quiz_attempt", attempt_id: attempt, answers: answers(), submit: true};
    RB.enqueue(RB.user, item).then(function () {
      if (!navigator.onLine) { lock(form.getAttribute("data-queued")); RB.later(); return; }
      lock(form.getAttribute("data-sent"));
      return RB.flush().then(showResult, function () {
        lock(form.getAttribute("data-queued"));
        RB.later();
      });
    });
  });

  // Reopened before the connection came back: it was already handed in on this device.
  RB.all("queue", RB.user).then(function (entries) {
    if (entries.some(function (e) { return e.item.attempt_id === attempt && e.item.submit; })) {
      lock(form.getAttribute("data-queued"));
    }
  });
})();
