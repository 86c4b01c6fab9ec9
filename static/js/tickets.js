/* Keyboard shortcuts of the ticket pages (the CSP allows no inline script).
   Queue: j / k move to the next / previous ticket, Enter or r opens it (at the reply box),
   a opens it at the assignment, e opens it to resolve. Ticket page: r focuses the reply,
   a the assignee, e resolves. Keys typed into a field are left alone. */
(function () {
  "use strict";

  function typing(event) {
    var target = event.target;
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-ticket-row]"));
  var current = -1;

  function select(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("is-selected", i === current); });
    rows[current].scrollIntoView({ block: "nearest" });
  }

  // A query parameter, not a #fragment: the browser's own scroll to a fragment would take
  // the focus away again.
  function open(control) {
    if (current < 0) select(0);
    if (current >= 0) window.location.href = rows[current].getAttribute("data-url") + "?focus=" + control;
  }

  function onQueue(key) {
    if (key === "j") select(current + 1);
    else if (key === "k") select(current - 1);
    else if (key === "Enter" || key === "r") open("reply");
    else if (key === "a") open("assign");
    else if (key === "e") open("resolve");
    else return false;
    return true;
  }

  function onTicket(key) {
    var target = null;
    if (key === "r") target = document.querySelector("#reply textarea");
    else if (key === "a") target = document.querySelector("[data-shortcut-focus='a']");
    else if (key === "e") {
      var resolve = document.querySelector("[data-shortcut='e']");
      if (resolve) resolve.closest("form").requestSubmit();
      return Boolean(resolve);
    }
    if (!target) return false;
    target.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    var handled = rows.length ? onQueue(event.key) : onTicket(event.key);
    if (handled) event.preventDefault();
  });

  // Arriving from the queue: focus the reply box, the assignee, or the resolve button.
  var focus = new URLSearchParams(window.location.search).get("focus");
  if (focus === "reply") onTicket("r");
  else if (focus === "assign") onTicket("a");
  else if (focus === "resolve") {
    var button = document.querySelector("[data-shortcut='e']");
    if (button) button.focus();
  }
})();
