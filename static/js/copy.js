// A button with data-copy="<id>" copies that field's text; the status next to it says so.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copy);
    var status = button.parentElement.querySelector("[role=status]");
    var done = function () { if (status) status.textContent = button.dataset.copied; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        field.select();
      });
    } else {
      // Plain http (development): select it, so that the phone's own copy menu appears.
      field.focus();
      field.select();
      try { if (document.execCommand("copy")) done(); } catch (e) { /* selected is enough */ }
    }
  });
})();
