// Paper entry grid: put the cursor in the first cell of the new row, and mark a cell at once
// when it holds something other than option numbers (the server checks everything again).
(function () {
  "use strict";
  var NUMBERS = /^[0-9０-９\s,、，;；\/・]*$/;

  // The grid's column count (a style attribute would be refused by the Content-Security-Policy).
  document.querySelectorAll(".survey-grid[data-cols]").forEach(function (grid) {
    grid.style.setProperty("--cols", grid.dataset.cols);
  });

  function focusEntry() {
    var entry = document.getElementById("grid-entry");
    if (!entry) return;
    var target = entry.querySelector("[aria-invalid=true]") || entry.querySelector("input[type=text]");
    if (target) target.focus();
  }

  document.addEventListener("input", function (event) {
    var cell = event.target;
    if (!cell.matches || !cell.matches("#grid-entry input[inputmode=numeric]")) return;
    if (NUMBERS.test(cell.value)) {
      if (!cell.getAttribute("aria-describedby")) cell.removeAttribute("aria-invalid");
    } else {
      cell.setAttribute("aria-invalid", "true");
    }
  });
  document.addEventListener("DOMContentLoaded", focusEntry);
  document.addEventListener("htmx:afterSettle", focusEntry);
})();
