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
})();
