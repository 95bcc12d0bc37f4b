// Small enhancements on top of htmx. Every page works without this file (and without JavaScript).
(function () {
  "use strict";

  // After htmx swaps a form back in with errors, move focus to the first field that needs fixing,
  // so keyboard and screen-reader users land where the problem is.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    var region = target && target.id ? document.getElementById(target.id) : null;
    if (!region) return;
    var invalid = region.querySelector(".field.invalid input, .field.invalid select, .field.invalid textarea");
    if (invalid) {
      invalid.focus();
      return;
    }
    var alert = region.querySelector(".form-errors[role=alert]");
    if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  });

  // A request that failed outright (network down, server error) says so instead of doing nothing.
  function showProblem(text) {
    var box = document.getElementById("htmx-problem");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) showProblem("You are not allowed to do that. Only finance admins can make changes.");
    else if (status === 404) showProblem("That no longer exists. Reload the page to see the current state.");
    else showProblem("Something went wrong (" + status + "). Reload the page and try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    showProblem("The server could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("htmx-problem");
    if (box) box.hidden = true;
  });

  // A new token's secret is selected in one click, ready to copy (no inline handler: the CSP forbids them).
  document.addEventListener("click", function (event) {
    if (event.target.matches && event.target.matches("input.secret")) event.target.select();
  });
})();
