// Progressive enhancement of the quiz page: each answer is sent to the server as soon as it
// changes (the same POST the "Simpan" buttons send), and "Tersimpan" appears next to it.
// Without this script the buttons save everything; the server enforces the deadline either way.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var token = form.querySelector("input[name=csrf_token]");
  var timers = {};

  function save(fieldset) {
    var data = new FormData();
    data.append("slots", fieldset.dataset.slot);
    fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.name === "slots" || el.disabled) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      data.append(el.name, el.value);
    });
    var note = fieldset.querySelector(".saved");
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.value : "", "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      if (result.body.closed && result.body.review_url) { window.location = result.body.review_url; return; }
      if (note) {
        note.textContent = result.body.message || form.dataset.offline;
        note.hidden = false;
      }
    }).catch(function () {
      keep([fieldset]);
    });
  }

  // No connection: the answer waits on the device (offline.js queue) and goes to /api/v1/sync
  // when the connection returns; the server still applies the deadline and its grace period.
  function values(fieldset) {
    var found = {}, prefix = "q" + fieldset.dataset.slot + "-";
    fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.name.indexOf(prefix) !== 0 || el.disabled || el.value === "") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      var name = el.name.slice(prefix.length);
      (found[name] = found[name] || []).push(el.value);
    });
    return {slot: Number(fieldset.dataset.slot), values: found};
  }

  function keep(fieldsets) {
    var RB = window.RBOffline;
    var text = RB && RB.user && form.dataset.attempt ? form.dataset.queued : form.dataset.offline;
    fieldsets.forEach(function (fieldset) {
      var note = fieldset.querySelector(".saved");
      if (note) { note.textContent = text; note.hidden = false; }
    });
    if (!RB || !RB.user || !form.dataset.attempt) { return; }
    RB.enqueue(RB.user, {kind: "quiz_attempt", attempt_id: Number(form.dataset.attempt),
      answers: fieldsets.map(values), submit: false}).then(RB.later);
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine) { return; }
    event.preventDefault();
    keep(Array.prototype.slice.call(form.querySelectorAll("fieldset[data-slot]")));
  });

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-slot]");
    if (fieldset) { save(fieldset); }
  });
  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("fieldset[data-slot]");
    if (!fieldset || event.target.tagName !== "TEXTAREA") { return; }
    clearTimeout(timers[fieldset.dataset.slot]);
    timers[fieldset.dataset.slot] = setTimeout(function () { save(fieldset); }, 1500);
  });

  var clock = document.querySelector("[data-deadline]");
  var remaining = document.querySelector("[data-remaining]");
  if (clock && remaining) {
    var end = Date.parse(clock.getAttribute("datetime"));
    var tick = function () {
      var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      remaining.textContent = remaining.dataset.format.replace("{m}", Math.floor(left / 60)).replace("{s}", left % 60);
      if (left > 0) { setTimeout(tick, 1000); }
    };
    tick();
  }
})();
