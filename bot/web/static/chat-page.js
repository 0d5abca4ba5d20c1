// Small helpers loaded by the chat page itself (same origin, no inline script needed).
(function () {
  "use strict";

  // Inside the widget's iframe, Esc asks the embedding page to close the panel: key presses
  // inside an iframe never reach the page around it.
  if (window.parent !== window) {
    window.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !e.defaultPrevented) {
        window.parent.postMessage({ type: "clinic-chat:close" }, "*");
      }
    });
  }

  // Gradio labels each bubble with its raw content, which for us is HTML source; screen
  // readers would read the tags aloud. Label bubbles with their visible text instead.
  var who = { bot: "Clinic assistant: ", user: "You: " };
  function relabel(root) {
    var nodes = root.querySelectorAll('[data-testid="bot"], [data-testid="user"]');
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var text = (node.innerText || node.textContent || "").replace(/\s+/g, " ").trim();
      var label = who[node.getAttribute("data-testid")] + text.slice(0, 500);
      if (node.getAttribute("aria-label") !== label) node.setAttribute("aria-label", label);
    }
  }
  // The appointment form (bot/web/handoff.py): what Gradio's Textbox cannot say itself.
  // Each field gets the keyboard and autofill hints a phone needs, aria-invalid and
  // aria-describedby while its error shows; the error summary and the confirmation take
  // focus when they appear (the GOV.UK pattern).
  var FIELDS = {
    "appt-name": { autocomplete: "name", type: "text", autocapitalize: "words" },
    "appt-phone": { autocomplete: "tel", type: "tel", inputmode: "tel" },
    "appt-email": { autocomplete: "email", type: "email", inputmode: "email" },
    "appt-time": { autocomplete: "off" },
    "appt-reason": { autocomplete: "off" },
    "appt-consent": {}
  };
  function control(id) {
    return document.querySelector("#" + id + " input, #" + id + " textarea");
  }
  function shown(el) {
    return !!el && el.getClientRects().length > 0 && (el.textContent || "").trim() !== "";
  }
  function enhanceForm() {
    Object.keys(FIELDS).forEach(function (id) {
      var input = control(id);
      if (!input) return;
      var hints = FIELDS[id];
      Object.keys(hints).forEach(function (name) {
        if (input.getAttribute(name) !== hints[name]) input.setAttribute(name, hints[name]);
      });
      var error = document.getElementById(id + "-error");
      var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean)
        .filter(function (x) { return x !== id + "-error"; });
      if (shown(error)) {
        if (input.getAttribute("aria-invalid") !== "true") input.setAttribute("aria-invalid", "true");
        ids.push(id + "-error");
      } else if (input.hasAttribute("aria-invalid")) {
        input.removeAttribute("aria-invalid");
      }
      var described = ids.join(" ");
      if ((input.getAttribute("aria-describedby") || "") !== described) {
        if (described) input.setAttribute("aria-describedby", described);
        else input.removeAttribute("aria-describedby");
      }
    });
    focusWhenShown("appt-error-summary");
    focusWhenShown("appt-done");
    addCopyButton();
  }
  var wasShown = {};
  function focusWhenShown(id) {
    var el = document.getElementById(id);
    var now = shown(el);
    if (now && !wasShown[id]) {
      el.setAttribute("tabindex", "-1");
      el.focus();
      el.scrollIntoView({ block: "start" });
    }
    wasShown[id] = now;
  }
  // Each submit may show the same summary again: it takes focus again all the same.
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#appt-submit")) wasShown["appt-error-summary"] = false;
  }, true);
  // The summary's links move focus to the field itself, not just scroll to it.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("#appt-error-summary a[href^='#']");
    if (!link) return;
    var input = control(link.getAttribute("href").slice(1));
    if (!input) return;
    e.preventDefault();
    input.focus();
    input.scrollIntoView({ block: "center" });
  });
  function addCopyButton() {
    var ref = document.querySelector("#appt-done .reference");
    if (!ref || ref.parentNode.querySelector(".copy-reference")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-reference";
    button.textContent = "Copy reference";
    button.addEventListener("click", function () {
      var text = ref.textContent.trim();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, selectIt);
      } else {
        selectIt();
      }
      function selectIt() {  // plain http: select the reference so the visitor can copy it
        var range = document.createRange();
        range.selectNodeContents(ref);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        if (document.execCommand && document.execCommand("copy")) done();
      }
    });
    ref.parentNode.appendChild(document.createTextNode(" "));
    ref.parentNode.appendChild(button);
  }

  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; relabel(document); enhanceForm(); });
  }).observe(document.documentElement, { subtree: true, childList: true, attributes: true,
    attributeFilter: ["aria-label", "class", "style", "hidden"] });

  // A full queue answers the join request with 503 and Gradio shows a generic error toast.
  // Say it in the clinic's words too, just above the question box (text from the app's
  // settings, with the clinic's contact, in <meta name="clinic-busy">).
  var busyMeta = document.querySelector('meta[name="clinic-busy"]');
  var BUSY = (busyMeta && busyMeta.getAttribute("content")) ||
    "We're answering a lot of questions right now. Please try again in a minute. " +
    "In an emergency call 911; in a mental-health crisis call or text 988.";
  var realFetch = window.fetch;
  window.fetch = function (input, init) {
    return realFetch.apply(this, arguments).then(function (response) {
      var url = typeof input === "string" ? input : (input && input.url) || "";
      if (response.status === 503 && url.indexOf("/queue/join") !== -1) showBusy();
      return response;
    });
  };
  function showBusy() {
    var banner = document.getElementById("busy-banner");
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "busy-banner";
      banner.setAttribute("role", "status");
      banner.textContent = BUSY;
      var composer = document.getElementById("composer");
      (composer && composer.parentNode ? composer.parentNode : document.body)
        .insertBefore(banner, composer || null);
    }
    banner.hidden = false;
    clearTimeout(showBusy.timer);
    showBusy.timer = setTimeout(function () { banner.hidden = true; }, 10000);
  }
})();
