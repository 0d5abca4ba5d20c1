// Staff console: ask before forms that change what visitors are served (no inline handlers:
// the Content-Security-Policy allows only scripts from this file).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
