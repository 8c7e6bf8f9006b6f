// The portal's service worker (served at /notifications/sw.js with Service-Worker-Allowed: /).
// A push carries no personal data: only {"title", "url": "/my/inbox"}. The worker shows a
// notification that opens the inbox and tells every open portal page that a message arrived.
const FALLBACK_TITLE = "You have a new message in your inbox";
const INBOX = "/my/inbox"; // notifications:inbox

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const title = typeof data.title === "string" && data.title ? data.title.slice(0, 120) : FALLBACK_TITLE;
  // Whatever the payload says, a click only ever opens the inbox of this site.
  const url = INBOX;
  event.waitUntil(
    Promise.allSettled([
      self.registration.showNotification(title, { body: "", tag: "pronoia-inbox", data: { url } }),
      self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((pages) => {
        for (const page of pages) page.postMessage({ type: "pronoia-push", title, url });
      }),
    ]),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(INBOX));
});
