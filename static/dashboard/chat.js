// The chat panel's live reply: reads the turn's server-sent events into the transcript, then
// reloads the transcript from the server, which is the record of what happened.
(function () {
  "use strict";

  function scrollDown(live) {
    var log = live.closest(".chat-log");
    if (log) { log.scrollTop = log.scrollHeight; }
  }

  function reload(live) {
    var body = live.closest("#chat-body");
    if (body && window.htmx) {
      // What the person typed while the reply ran survives the transcript's reload.
      var field = body.querySelector(".chat-composer textarea");
      var draft = field ? field.value : "";
      window.htmx.ajax("GET", live.dataset.refresh, { target: body, swap: "outerHTML" }).then(function () {
        var fresh = document.querySelector("#chat-body .chat-composer textarea");
        if (draft && fresh && !fresh.value) { fresh.value = draft; }
      });
    } else {
      window.location.assign(live.dataset.refresh);
    }
  }

  function follow(live) {
    if (live.dataset.started) { return; }
    live.dataset.started = "1";
    var source = new EventSource(live.dataset.stream);
    var bubble = null;
    var typing = live.querySelector(".chat-typing");
    function settle() { if (typing) { typing.remove(); typing = null; } }

    source.addEventListener("text", function (event) {
      settle();
      if (!bubble) {
        bubble = document.createElement("div");
        bubble.className = "chat-msg chat-claude";
        live.appendChild(bubble);
      }
      bubble.textContent += JSON.parse(event.data);
      scrollDown(live);
    });
    source.addEventListener("tool", function (event) {
      settle();
      live.insertAdjacentHTML("beforeend", JSON.parse(event.data));
      bubble = null;  // text after a tool call is a new paragraph
      scrollDown(live);
    });
    source.addEventListener("done", function () {
      source.close();
      reload(live);
    });
    // A dropped connection: the server kept whatever finished; show it (with Retry if it failed).
    source.onerror = function () {
      source.close();
      reload(live);
    };
  }

  function start(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll(".chat-live[data-stream]").forEach(follow);
    scope.querySelectorAll(".chat-log").forEach(function (log) { log.scrollTop = log.scrollHeight; });
  }

  document.addEventListener("htmx:load", function (event) { start(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { start(document); });
})();
