// The chat over a WebSocket (pronoia/contact/consumers.py). The forms work without this module;
// with it, a form whose conversation has an open socket sends there and shows the replies in place.
// Replies arrive as HTML the server rendered (and escaped); nothing the person typed is inserted
// as markup here. When the socket is unavailable, forms post as usual and a page waiting for an
// operator reloads now and then.

const STORAGE_KEY = "pronoia-chat-token";
const RELOAD_MS = 30000;

function socketUrl(token) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}/ws/chat/${encodeURIComponent(token)}`;
}

function fragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

function storedToken() {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function storeToken(token) {
  try {
    if (token) window.sessionStorage.setItem(STORAGE_KEY, token);
    else window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage refused (private mode): the widget then posts the form instead
  }
}

function chatStart(form) {
  const onPage = Boolean(form.dataset.chatToken);
  if (onPage) storeToken(form.dataset.chatToken);
  const token = form.dataset.chatToken || storedToken();
  let state = form.dataset.chatState || "";
  const root = form.closest("[data-chat-widget]") || document;
  const log = root.querySelector("[data-chat-log]");
  const errorBox = root.querySelector("[data-chat-error]");
  let unanswered = null; // the text of a message sent and not yet taken (restored if refused)
  const textarea = form.elements.namedItem("text");
  let reloadTimer = null;

  const showError = (message) => {
    if (!errorBox) return;
    errorBox.querySelector("[data-chat-error-text]").textContent = message;
    errorBox.classList.remove("govuk-!-display-none");
    errorBox.focus();
  };
  // A text over the limit is stopped here, on both paths: a plain post of it would come back
  // refused and without the text (the page never echoes an over-long message).
  const maxChars = Number(form.dataset.chatMaxChars || 0);
  form.addEventListener("submit", (event) => {
    const plainMessage = !event.submitter || !["pick", "handover", "decline"].includes(event.submitter.name);
    if (!maxChars || !textarea || !plainMessage || textarea.value.length <= maxChars) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    showError(form.dataset.chatTooLong || "");
  });

  const fallBack = () => {
    // Without a socket, a page waiting for the operator shows new replies by reloading.
    if (onPage && state === "open" && reloadTimer === null) {
      reloadTimer = window.setInterval(() => {
        if (!textarea || !textarea.value.trim()) window.location.reload();
      }, RELOAD_MS);
    }
  };
  if (!token || state === "resolved" || !("WebSocket" in window) || !log) {
    fallBack();
    return;
  }

  const hideError = () => errorBox && errorBox.classList.add("govuk-!-display-none");

  let socket;
  let open = false;
  try {
    socket = new WebSocket(socketUrl(token));
  } catch {
    fallBack();
    return;
  }
  socket.addEventListener("open", () => {
    open = true;
    const link = root.querySelector("[data-chat-open]");
    if (link && !onPage) {
      link.querySelector("a").href = `/chat/${encodeURIComponent(token)}`;
      link.classList.remove("govuk-!-display-none");
    }
  });
  socket.addEventListener("close", (event) => {
    open = false;
    if (event.code === 4404 && !onPage) storeToken(null);
    fallBack();
  });
  socket.addEventListener("message", (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    if (data.type === "messages") {
      unanswered = null;
      hideError();
      log.querySelectorAll("[data-chat-pick], [data-chat-decline]").forEach((button) => {
        const group = button.closest(".govuk-button-group");
        if (group) group.remove();
      });
      log.append(fragment(String(data.html || "")));
      const last = log.lastElementChild;
      if (last) last.scrollIntoView({ block: "nearest" });
      if (onPage && data.state !== state) {
        // The page's controls depend on the state (waiting notice, rating form): show the new ones.
        window.location.reload();
        return;
      }
      state = data.state;
    } else if (data.type === "error") {
      if (data.code === "conversation_resolved" && !onPage) {
        // The conversation has ended: the plain form starts a new one.
        storeToken(null);
        socket.close();
        form.submit();
        return;
      }
      // A refused message (too long, rate-limited) comes back into the box: nothing typed is lost.
      if (unanswered !== null && textarea && !textarea.value) textarea.value = unanswered;
      unanswered = null;
      showError(String(data.message || ""));
    }
  });

  const send = (payload) => {
    socket.send(JSON.stringify(payload));
  };
  const actionOf = (button) => {
    if (!button) return null;
    if (button.name === "handover") return { action: "handover" };
    if (button.name === "pick") return { action: "pick", item_id: button.value };
    if (button.name === "decline") return { action: "decline" };
    return null;
  };

  form.addEventListener("submit", (event) => {
    if (!open || socket.readyState !== WebSocket.OPEN) return; // the plain POST
    event.preventDefault();
    const payload = actionOf(event.submitter) || { action: "message", text: textarea ? textarea.value : "" };
    send(payload);
    if (payload.action === "message" && textarea) {
      unanswered = payload.text;
      textarea.value = "";
    }
  });
  // Suggestion buttons that arrived in the widget's log belong to no form there.
  log.addEventListener("click", (event) => {
    const button = event.target.closest("[data-chat-pick], [data-chat-decline]");
    if (!button || button.form === form || !open) return;
    event.preventDefault();
    send(actionOf(button));
  });
}

document.querySelectorAll("form[data-chat-form]").forEach(chatStart);
