// Feltbok's service worker: keeps the patrol pages and the app's own files so patrol mode
// opens with no network. Entries themselves live in the outbox (outbox.js), not here.
// Only same-origin GET requests for patrol pages and static files are cached; the API never.
const CACHE = "feltbok-v1";
const SHELL = [
  "/static/vendor/designsystemet/theme.css",
  "/static/vendor/designsystemet/designsystemet.css",
  "/static/feltbok/app.css",
  "/static/vendor/htmx/htmx.min.js",
  "/static/feltbok/app.js",
  "/static/feltbok/outbox.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The patrol page asks for its sub-pages to be kept, so they open offline even if not visited.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "precache") {
    const urls = event.data.urls.filter((url) => url.startsWith("/patrols/"));
    // One by one and only what is missing: a fetch cut short by a lost signal must never
    // disturb the copies already kept (visiting a page online refreshes it anyway).
    event.waitUntil(
      // Take over a patrol page that opened before this worker was active.
      self.clients.claim().then(() => caches.open(CACHE)).then((cache) =>
        Promise.all(
          urls.map((url) =>
            cache.match(url, { ignoreVary: true }).then((hit) => hit || cache.add(url).catch(() => {})),
          ),
        ),
      ),
    );
  }
});

function isPatrolPage(url) {
  return url.origin === self.location.origin && url.pathname.startsWith("/patrols/");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    // Cache first; files fetched later (hashed names in production) are kept as they come.
    event.respondWith(
      caches.match(request, { ignoreVary: true }).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
    return;
  }
  if (isPatrolPage(url) && request.mode === "navigate") {
    // Network first, so pages are fresh online; the kept copy when the network is gone.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() =>
          caches.match(request, { ignoreSearch: true, ignoreVary: true }).then((hit) => hit || Response.error()),
        ),
    );
  }
});
