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
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; relabel(document); });
  }).observe(document.documentElement, { subtree: true, childList: true, attributes: true,
    attributeFilter: ["aria-label"] });

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
