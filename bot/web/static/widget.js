/*
 * The clinic chat launcher. Paste on any page of an allowed site:
 *   <script src="https://CHAT-HOST/widget.js" data-chat-url="https://CHAT-HOST/" defer></script>
 * Optional: data-label="Ask us" (button text), data-title="Chat with us" (panel title).
 *
 * Adds a floating button; it opens the chat in an iframe panel (created on first open, so the
 * page makes no request to the chat until the visitor asks for it). Esc or the close button
 * closes it and gives focus back to the button. Styles live in a shadow root, so the page's
 * CSS and ours never mix, and no inline <style> element is needed.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__clinicChatWidget) return;
  window.__clinicChatWidget = true;

  function chatUrl() {
    var raw = script.getAttribute("data-chat-url") || new URL("./", script.src).href;
    var url;
    try { url = new URL(raw, document.baseURI); } catch (e) { return null; }
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  }
  var url = chatUrl();
  if (!url) { console.error("clinic chat: data-chat-url must be an http(s) URL"); return; }
  var label = script.getAttribute("data-label") || "Ask us";
  var title = script.getAttribute("data-title") || "Ask us a question";

  var css = [
    ":host { all: initial; }",
    ".launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;",
    "  display: inline-flex; align-items: center; gap: 8px; padding: 12px 18px;",
    "  border: 0; border-radius: 999px; background: #0f766e; color: #fff; cursor: pointer;",
    "  font: 600 16px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;",
    "  box-shadow: 0 6px 20px rgba(15, 23, 42, 0.25); }",
    ".launcher:hover { background: #115e59; }",
    ".launcher:focus-visible, .close:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }",
    ".launcher svg { width: 20px; height: 20px; fill: currentColor; }",
    ".panel { position: fixed; right: 20px; bottom: 84px; z-index: 2147483001;",
    "  width: 400px; height: min(640px, calc(100vh - 110px)); display: flex; flex-direction: column;",
    "  background: #fff; border-radius: 14px; overflow: hidden;",
    "  box-shadow: 0 12px 40px rgba(15, 23, 42, 0.3); }",
    ".panel[hidden] { display: none; }",
    ".bar { display: flex; align-items: center; justify-content: space-between; padding: 10px 14px;",
    "  background: #0f766e; color: #fff; font: 600 15px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }",
    ".close { border: 0; background: transparent; color: #fff; font-size: 22px; line-height: 1;",
    "  width: 32px; height: 32px; border-radius: 6px; cursor: pointer; }",
    ".close:hover { background: rgba(255, 255, 255, 0.15); }",
    "iframe { flex: 1; width: 100%; border: 0; background: #fff; }",
    "@media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; border-radius: 0; } }"
  ].join("\n");

  var host = document.createElement("div");
  host.setAttribute("data-clinic-chat", "");
  var root = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    var style = document.createElement("style");
    style.textContent = css;
    root.appendChild(style);
  }

  var button = document.createElement("button");
  button.type = "button";
  button.className = "launcher";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "clinic-chat-panel");
  button.innerHTML =
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  button.appendChild(document.createTextNode(label));

  var panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "clinic-chat-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);

  var bar = document.createElement("div");
  bar.className = "bar";
  var heading = document.createElement("span");
  heading.textContent = title;
  var close = document.createElement("button");
  close.type = "button";
  close.className = "close";
  close.setAttribute("aria-label", "Close chat");
  close.textContent = "\u00d7";
  bar.appendChild(heading);
  bar.appendChild(close);
  panel.appendChild(bar);

  var frame = null;
  function ensureFrame() {
    if (frame) return;
    frame = document.createElement("iframe");
    frame.title = title;
    frame.src = url.href;
    frame.referrerPolicy = "no-referrer";
    frame.setAttribute("allow", "clipboard-write");
    panel.appendChild(frame);
  }

  function open() {
    ensureFrame();
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    close.focus();
  }
  function shut() {
    if (panel.hidden) return;
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

  button.addEventListener("click", function () { panel.hidden ? open() : shut(); });
  close.addEventListener("click", shut);
  root.addEventListener("keydown", function (e) { if (e.key === "Escape") shut(); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") shut(); });
  // Esc pressed inside the chat: the chat page tells us (keys don't cross the iframe).
  window.addEventListener("message", function (e) {
    if (!frame || e.source !== frame.contentWindow || e.origin !== url.origin) return;
    if (e.data && e.data.type === "clinic-chat:close") shut();
  });

  root.appendChild(panel);
  root.appendChild(button);
  function mount() { document.body.appendChild(host); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
