// Browser notifications: register the portal's service worker (scope /), subscribe with the
// portal's VAPID public key and hand the subscription to the portal; "turn off" removes it.
// Without JavaScript or push support the page keeps its message that the inbox has everything.
const root = document.querySelector("[data-push-controls]");

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function portalCall(method, body) {
  const response = await fetch(root.dataset.subscriptionsUrl, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`portal answered ${response.status}`);
}

async function start() {
  if (!root || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  const status = root.querySelector("[data-push-status]");
  const on = root.querySelector("[data-push-on]");
  const off = root.querySelector("[data-push-off]");
  const text = root.dataset;
  root.querySelector("[data-push-unsupported]").hidden = true;
  root.querySelector("[data-push-supported]").hidden = false;

  const registration = await navigator.serviceWorker.register(root.dataset.serviceWorkerUrl, { scope: "/" });
  await navigator.serviceWorker.ready;

  // `hidden` alone does not hide a .govuk-button (its display rule wins over the browser's [hidden]
  // rule), so the inline display is set too: only the button that applies is ever shown.
  const toggle = (element, hide) => {
    element.hidden = hide;
    element.style.display = hide ? "none" : "";
  };
  const show = (subscribed, message) => {
    toggle(on, subscribed);
    toggle(off, !subscribed);
    status.textContent = message || (subscribed ? text.textOn : text.textOff);
  };
  show(Boolean(await registration.pushManager.getSubscription()));

  on.addEventListener("click", async () => {
    try {
      if ((await Notification.requestPermission()) !== "granted") return show(false, text.textDenied);
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(root.dataset.applicationServerKey),
      });
      await portalCall("POST", subscription.toJSON());
      show(true);
    } catch (error) {
      // Chromium without a network cannot reach its vendor's push service: subscribe() fails here.
      show(false, text.textFailed);
      root.dataset.pushError = String(error);
    }
  });

  off.addEventListener("click", async () => {
    const subscription = await registration.pushManager.getSubscription();
    if (subscription) {
      await portalCall("DELETE", { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    show(false);
  });

  // The service worker tells open pages that a message arrived.
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (!event.data || event.data.type !== "pronoia-push") return;
    const banner = root.querySelector("[data-push-arrived]");
    const link = root.querySelector("[data-push-arrived-link]");
    link.textContent = text.textArrived;
    link.href = root.dataset.inboxUrl;
    banner.hidden = false;
  });
  root.dataset.pushReady = "true";
}

start();
