// A "Print" button (data-print) opens the browser's print dialog; the page's print styles hide
// the menus. A file of its own so the Content-Security-Policy can forbid inline handlers.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
})();
