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

// The sorting guide without a network: when a search cannot reach the server, the guide's
// data the service worker keeps is searched here, the way the server searches it.
(function () {
  "use strict";
  var guide = null;
  function load(form) {
    if (!guide) guide = fetch(form.dataset.dataUrl).then(function (r) { return r.json(); })
      .catch(function (e) { guide = null; throw e; });
    return guide;
  }
  function grams(text) {
    var found = {};
    text.toLowerCase().split(/\s+/).forEach(function (w) {
      for (var i = 0; i + 3 <= w.length; i++) found[w.slice(i, i + 3)] = true;
    });
    return found;
  }
  function score(query, term) {
    query = query.toLowerCase().trim(); term = term.toLowerCase();
    var wanted = grams(query), have = grams(term), keys = Object.keys(wanted), shared = 0;
    keys.forEach(function (g) { if (have[g]) shared++; });
    var value = keys.length ? shared / keys.length : 0;
    return value + (term.indexOf(query) === 0 ? 2 : term.indexOf(query) > 0 ? 1 : 0);
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  function show(form, data) {
    var query = form.querySelector("input[name=q]").value.trim();
    var hits = [];
    data.items.forEach(function (item) {
      var best = 0;
      [item.name].concat(item.synonyms).forEach(function (t) { best = Math.max(best, score(query, t)); });
      if (query && best >= 0.45) hits.push([best, item]);
    });
    hits.sort(function (a, b) { return b[0] - a[0]; });
    var results = document.getElementById("sorting-results");
    var section = el("section"); section.id = "sorting-results";
    section.appendChild(el("p", "notice notice-info", data.texts.offline));
    if (!hits.length) section.appendChild(el("p", null, data.texts.none));
    var list = el("ul", "guide-list"); list.setAttribute("role", "list");
    hits.slice(0, 30).forEach(function (hit) {
      var item = hit[1], fraction = data.fractions[item.fraction], li = el("li", "guide-item");
      var name = el("p", "guide-name"); name.appendChild(el("strong", null, item.name));
      name.appendChild(document.createTextNode(" "));
      name.appendChild(el("span", "waste-chip waste-" + item.fraction, fraction.label));
      li.appendChild(name); li.appendChild(el("p", "guide-note", item.note || fraction.note));
      list.appendChild(li);
    });
    section.appendChild(list);
    results.replaceWith(section);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("sorting-search");
    if (form && navigator.onLine) load(form).catch(function () {});  // kept for offline use
  });
  function offline(event) {
    var form = document.getElementById("sorting-search");
    if (!form || !form.contains(event.detail.elt)) return;
    load(form).then(function (data) { show(form, data); }).catch(function () {});
  }
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "sorting-search" || navigator.onLine) return;
    event.preventDefault();
    offline({detail: {elt: form}});
  });
})();
