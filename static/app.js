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
  // Web Push: the button on the notifications page subscribes this device.
  function base64ToBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("enable-push");
    var status = document.getElementById("push-status");
    if (!button) return;
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      status.textContent = status.dataset.unsupported;
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { status.textContent = status.dataset.denied; return null; }
        return Promise.all([navigator.serviceWorker.ready,
                            fetch(button.dataset.keyUrl).then(function (r) { return r.json(); })]);
      }).then(function (parts) {
        if (!parts) return null;
        return parts[0].pushManager.subscribe({userVisibleOnly: true,
                                               applicationServerKey: base64ToBytes(parts[1].key)});
      }).then(function (subscription) {
        if (!subscription) return null;
        return fetch(button.dataset.subscribeUrl, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
          body: JSON.stringify(subscription)
        });
      }).then(function (response) {
        if (response && response.ok) status.textContent = status.dataset.done;
      }).catch(function () { status.textContent = status.dataset.unsupported; });
    });
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (f) { delete f.dataset.submitting; });
  });
})();
