// Switchboard web chat widget: one script tag, no build step, nothing fetched from anywhere but the hub.
//   <script src="https://HUB/webchat/widget.js" data-tenant="TENANT_ID_OR_SLUG" defer></script>
// It opens a WebSocket to the hub the script came from (/api/webchat/{tenant}/socket), keeps its session
// token in localStorage to resume after a reload, and resumes with `?webchat_handoff=<token>` in the page's
// URL on another device. The protocol is documented in the hub's OpenAPI document (tag "Web chat").
(() => {
  const script = document.currentScript;
  if (!script?.dataset.tenant) {
    console.error("switchboard web chat: the script tag needs data-tenant");
    return;
  }
  const tenant = script.dataset.tenant;
  const hub = new URL(script.src);
  const socketUrl = `${hub.protocol === "https:" ? "wss:" : "ws:"}//${hub.host}/api/webchat/${encodeURIComponent(tenant)}/socket`;
  const storageKey = `switchboard-webchat:${tenant}`;
  const handoffParam = "webchat_handoff";

  const host = document.createElement("div");
  host.id = "switchboard-webchat";
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `
<style>
  :host { all: initial; }
  * { box-sizing: border-box; font-family: system-ui, sans-serif; font-size: 14px; }
  .toggle { position: fixed; right: 20px; bottom: 20px; border: 0; border-radius: 24px; padding: 12px 18px;
    background: #0b5cad; color: #fff; cursor: pointer; box-shadow: 0 2px 8px rgba(0,0,0,.3); z-index: 2147483000; }
  .panel { position: fixed; right: 20px; bottom: 76px; width: 340px; max-width: calc(100vw - 40px); height: 480px;
    max-height: calc(100vh - 100px); display: none; flex-direction: column; background: #fff; color: #222;
    border-radius: 10px; box-shadow: 0 4px 24px rgba(0,0,0,.3); overflow: hidden; z-index: 2147483000; }
  .panel.open { display: flex; }
  header { background: #0b5cad; color: #fff; padding: 10px 12px; display: flex; gap: 8px; align-items: center; }
  header span { flex: 1; font-weight: 600; }
  header button { background: transparent; color: #fff; border: 1px solid rgba(255,255,255,.6); border-radius: 4px;
    padding: 2px 6px; cursor: pointer; font-size: 12px; }
  .log { flex: 1; overflow-y: auto; padding: 10px; display: flex; flex-direction: column; gap: 6px; background: #f4f6f8; }
  .line { max-width: 85%; padding: 6px 10px; border-radius: 8px; white-space: pre-wrap; word-wrap: break-word; }
  .customer { align-self: flex-end; background: #0b5cad; color: #fff; }
  .agent { align-self: flex-start; background: #fff; border: 1px solid #d8dee4; }
  .bot { align-self: flex-start; background: #eef3e8; border: 1px solid #d5e2c7; }
  .notice { align-self: center; color: #666; font-size: 12px; text-align: center; }
  form { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #d8dee4; }
  form.start { flex-direction: column; }
  input, textarea { flex: 1; padding: 8px; border: 1px solid #c3ccd5; border-radius: 6px; }
  textarea { resize: none; height: 40px; }
  form button { background: #0b5cad; color: #fff; border: 0; border-radius: 6px; padding: 8px 12px; cursor: pointer; }
  [hidden] { display: none !important; }
</style>
<button class="toggle" type="button" part="toggle">Chat</button>
<section class="panel" role="dialog" aria-label="Chat with the bank">
  <header><span>Chat</span>
    <button type="button" class="handoff" hidden title="Continue this chat on another device">Other device</button>
    <button type="button" class="end" hidden>End chat</button>
  </header>
  <div class="log" aria-live="polite"></div>
  <form class="start" hidden>
    <input name="name" placeholder="Your name" autocomplete="name" required maxlength="200">
    <input name="contact" placeholder="E-mail or phone number" autocomplete="email" required maxlength="254">
    <button type="submit">Start chat</button>
  </form>
  <form class="send" hidden>
    <textarea name="text" placeholder="Type a message" required></textarea>
    <button type="submit">Send</button>
  </form>
</section>`;
  const $ = (selector) => root.querySelector(selector);
  const panel = $(".panel");
  const log = $(".log");
  const startForm = $("form.start");
  const sendForm = $("form.send");
  const handoffButton = $(".handoff");
  const endButton = $(".end");

  let ws;
  let retryMs = 1000;
  let session;
  const shown = new Set();
  // Messages sent and not yet accepted: sent again (same id, so never stored twice) after a reconnect.
  const unconfirmed = new Map();

  const storage = {
    get: () => {
      try {
        return localStorage.getItem(storageKey);
      } catch {
        return null;
      }
    },
    set: (value) => {
      try {
        if (value) localStorage.setItem(storageKey, value);
        else localStorage.removeItem(storageKey);
      } catch {}
    },
  };

  const line = (cls, text, id) => {
    if (id) {
      if (shown.has(id)) return;
      shown.add(id);
    }
    const div = document.createElement("div");
    div.className = `line ${cls}`;
    div.textContent = text;
    log.append(div);
    log.scrollTop = log.scrollHeight;
  };
  const notice = (text) => line("notice", text);
  const mode = (m) => {
    startForm.hidden = m !== "start";
    sendForm.hidden = m !== "chat";
    handoffButton.hidden = m !== "chat";
    endButton.hidden = m !== "chat";
  };
  const send = (frame) => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  };
  const newId = () =>
    crypto.randomUUID
      ? crypto.randomUUID()
      : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

  const handoffFromUrl = () => {
    const url = new URL(location.href);
    const token = url.searchParams.get(handoffParam);
    if (!token) return null;
    url.searchParams.delete(handoffParam);
    history.replaceState(null, "", url.toString());
    return token;
  };
  let pendingHandoff = handoffFromUrl();

  const onFrame = (frame) => {
    switch (frame.type) {
      case "ready":
        retryMs = 1000;
        if (pendingHandoff) {
          send({ type: "resume", handoffToken: pendingHandoff });
          pendingHandoff = null;
          open();
        } else if (storage.get()) send({ type: "resume", sessionToken: storage.get() });
        else mode("start");
        break;
      case "session":
        session = frame;
        storage.set(frame.sessionToken);
        mode("chat");
        document.dispatchEvent(
          new CustomEvent("switchboard-webchat:session", { detail: { sessionId: frame.sessionId } }),
        );
        break;
      case "history":
        // The whole thread again (after a reconnect too): drawn afresh, then what is still unconfirmed.
        log.replaceChildren();
        shown.clear();
        for (const m of frame.messages) line(m.from, m.text, m.id);
        for (const [id, text] of unconfirmed) {
          line("customer", text);
          send({ type: "message", text, clientMessageId: id });
        }
        break;
      case "message":
        line(frame.message.from, frame.message.text, frame.message.id);
        break;
      case "accepted":
        unconfirmed.delete(frame.clientMessageId);
        break;
      case "handoff": {
        const url = new URL(location.href);
        url.searchParams.set(handoffParam, frame.handoffToken);
        notice(`Open this link on your other device within 5 minutes:\n${url.toString()}`);
        break;
      }
      case "ended":
        session = undefined;
        storage.set(null);
        notice("Chat ended.");
        mode("start");
        break;
      case "error":
        if (["unknown_session", "session_closed", "handoff_refused", "no_contact"].includes(frame.code)) {
          storage.set(null);
          session = undefined;
          mode("start");
        }
        notice(frame.message);
        break;
    }
  };

  const connect = () => {
    ws = new WebSocket(socketUrl);
    ws.onmessage = (event) => {
      try {
        onFrame(JSON.parse(event.data));
      } catch (err) {
        console.error("switchboard web chat:", err);
      }
    };
    ws.onclose = (event) => {
      session = undefined;
      mode("none");
      if (event.code === 1008)
        return notice("Disconnected: too many messages. Reload the page to chat again.");
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  };

  const open = () => {
    panel.classList.add("open");
    if (!ws) connect();
  };
  $(".toggle").addEventListener("click", () => {
    if (panel.classList.contains("open")) panel.classList.remove("open");
    else open();
  });
  startForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = startForm.elements.name.value.trim();
    const contact = startForm.elements.contact.value.trim();
    send({
      type: "start",
      name,
      ...(contact.includes("@") ? { email: contact } : { phone: contact }),
      language: navigator.language,
    });
  });
  sendForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = sendForm.elements.text.value.trim();
    if (!text || !session) return;
    const id = newId();
    unconfirmed.set(id, text);
    line("customer", text);
    send({ type: "message", text, clientMessageId: id });
    sendForm.elements.text.value = "";
  });
  sendForm.elements.text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      sendForm.requestSubmit();
    }
  });
  handoffButton.addEventListener("click", () => send({ type: "handoff" }));
  endButton.addEventListener("click", () => send({ type: "end" }));

  window.SwitchboardChat = {
    open,
    get sessionId() {
      return session ? session.sessionId : undefined;
    },
  };
  const mount = () => {
    document.body.append(host);
    // A returning customer (or one handed over from another device) finds the chat where they left it.
    if (pendingHandoff || storage.get()) open();
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
