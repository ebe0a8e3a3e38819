// The job page refreshes itself without JavaScript (meta refresh). With it, the bar moves
// smoothly: ask the job's JSON every 1.5 s, stop the page reload, show the link when ready.
(function () {
  "use strict";
  var box = document.getElementById("job-status");
  if (!box || !window.fetch) return;
  var refresh = document.querySelector('meta[http-equiv="refresh"]');
  if (refresh) refresh.parentNode.removeChild(refresh);
  function show(data) {
    box.querySelector("[data-job-state]").textContent = data.state_label;
    box.querySelector("[data-job-progress]").value = data.progress;
    box.querySelector("[data-job-percent]").textContent = data.progress + "%";
    box.querySelector("[data-job-message]").textContent = data.message || "";
    if (data.state === "done" || data.state === "failed") {
      window.location.reload(); // the server renders the final page (link or failure)
      return false;
    }
    return true;
  }
  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (!data || show(data)) setTimeout(poll, 1500); })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
})();
