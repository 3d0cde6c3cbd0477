// Kotipiha's only own script: the service worker, the network notice and double-submit guard.
// Every page works without it.
(function () {
  "use strict";

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }

  function status(kind) {
    var box = document.getElementById("network-status");
    if (!box) return;
    if (!kind) { box.hidden = true; box.textContent = ""; return; }
    box.textContent = box.dataset[kind];
    box.hidden = false;
  }
  window.addEventListener("offline", function () { status("offline"); });
  window.addEventListener("online", function () { status(null); });
  document.addEventListener("DOMContentLoaded", function () { if (!navigator.onLine) status("offline"); });
  document.addEventListener("htmx:sendError", function () { status("failed"); });
  document.addEventListener("htmx:afterRequest", function (e) { if (e.detail.successful) status(null); });

  // A form sent once is not sent again by a second tap while the first is on its way.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitting === "1") { event.preventDefault(); return; }
    form.dataset.submitting = "1";
    setTimeout(function () { delete form.dataset.submitting; }, 8000);
  }, true);
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (f) { delete f.dataset.submitting; });
  });
})();
