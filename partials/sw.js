// Kotipiha service worker, version {{ version }}.
// It keeps the app shell (styles, scripts, icons, the offline page) and nothing else:
// pages with a resident's data are never stored, so nothing private outlives a logout.
const CACHE = "kotipiha-{{ version }}";
const OFFLINE_URL = "{{ offline_url }}";
const SHELL = {{ ([offline_url] + shell)|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

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

  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
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
