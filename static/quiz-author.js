// Question editor: "Tambah pilihan" adds one more empty answer row (without a script, the page
// always offers two empty rows, and two more after each save).
(function () {
  "use strict";
  var button = document.getElementById("add-row");
  var rows = document.getElementById("option-rows");
  if (!button || !rows) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var all = rows.querySelectorAll("fieldset.option-row");
    var last = all[all.length - 1];
    var copy = last.cloneNode(true);
    var n = all.length + 1;
    var legend = copy.querySelector("legend");
    legend.textContent = legend.textContent.replace(/\d+$/, String(n));
    copy.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.id = input.id.replace(/\d+$/, String(n));
    });
    copy.querySelectorAll("label").forEach(function (label) {
      label.htmlFor = label.htmlFor.replace(/\d+$/, String(n));
    });
    rows.appendChild(copy);
    copy.querySelector("input").focus();
  });
})();
