// Service worker of the public page: keeps an offline copy of the page, its scripts and
// map layers, and of the last warnings received; shows Web Push notifications.
const CACHE = "cityops-public-v1";  // the server names it after a digest of the files
const SHELL = [
  "/public", "/static/css/app.css", "/static/js/public.js", "/static/js/basemap.js",
  "/static/js/live.js", "/static/js/push.js", "/static/js/api.js",
  "/assets/leaflet/dist/leaflet.css", "/assets/leaflet/dist/leaflet-src.esm.js",
  "/assets/topojson-client/src/index.js", "/assets/world-atlas/countries-110m.json",
  "/static/geo/places.json", "/static/geo/rivers.json", "/static/geo/lakes.json",
  "/static/geo/admin1.json", "/static/geo/coastline.json",
  "/static/icons/icon-192.png", "/public/manifest.webmanifest",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// Warnings and the page: network first, the last copy when offline. Files: cache first.
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname === "/api/events") return;
  const fresh = url.pathname === "/public" || url.pathname.startsWith("/public/warnings")
    || url.pathname.startsWith("/api/public/");
  event.respondWith(fresh ? networkFirst(event.request) : cacheFirst(event.request));
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (err) {
    const copy = await cache.match(request) || await cache.match(request, { ignoreSearch: true });
    if (!copy) throw err;
    const headers = new Headers(copy.headers);
    headers.set("X-CityOps-Offline", "1");
    return new Response(await copy.blob(), { status: 200, headers });
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const copy = await cache.match(request);
  if (copy) return copy;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { data = { title: event.data?.text() }; }
  const title = data.title || "Warning";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "", lang: data.lang || "", tag: data.tag, renotify: true,
    icon: "/static/icons/icon-192.png", badge: "/static/icons/icon-192.png",
    requireInteraction: data.severity === "Extreme" || data.severity === "Severe",
    data: { url: data.url || "/public" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = event.notification.data?.url || "/public";
  event.waitUntil(self.clients.openWindow(target));
});
