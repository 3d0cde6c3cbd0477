// Kotipiha service worker, version {{ version }}.
// It keeps the app shell (styles, scripts, icons, the offline page) and the public sorting
// guide (its page as an anonymous visitor sees it, and its data), and nothing else: pages
// with a resident's data are never stored, so nothing private outlives a logout.
const CACHE = "kotipiha-{{ version }}";
const OFFLINE_URL = "{{ offline_url }}";
const GUIDE_URL = "{{ guide_url }}";
const GUIDE_DATA = "{{ guide_data_url }}";
const SHELL = {{ ([offline_url, guide_url] + shell)|tojson }};

self.addEventListener("install", (event) => {
  const requests = SHELL.map((url) => new Request(url, {credentials: "omit"}));
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(requests)).then(() => self.skipWaiting()));
});

// The network first, else what was kept; a good answer is kept for next time.
function networkThenCache(request, fallback) {
  return fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(request, copy));
    }
    return response;
  }).catch(() => caches.match(request).then((hit) => hit || caches.match(fallback)));
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;

  if (request.mode === "navigate" && url.pathname === GUIDE_URL) {
    event.respondWith(fetch(request).catch(() => caches.match(GUIDE_URL).then((hit) => hit || caches.match(OFFLINE_URL))));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  if (url.pathname === GUIDE_DATA) {
    event.respondWith(networkThenCache(request, OFFLINE_URL));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      }))
    );
  }
  // Everything else goes to the network as usual and is never cached.
});

// Web Push: show what the server sent, and open the app where it points.
self.addEventListener("push", (event) => {
  let data = {title: "Kotipiha", body: "", url: "/"};
  try { data = Object.assign(data, event.data ? event.data.json() : {}); } catch (e) { /* plain text */ }
  event.waitUntil(self.registration.showNotification(data.title, {
    body: data.body, icon: "/static/icons/icon-192.png", data: {url: data.url}
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (url.origin !== self.location.origin) return;
  event.waitUntil(self.clients.openWindow(url.href));
});
