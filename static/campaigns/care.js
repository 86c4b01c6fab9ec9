/* The SMS length counter under each message text of the care rule editor: messaging's rule
   (messaging/templating.py sms_segments): 70 characters fit one SMS, a longer text goes in
   parts of 67; the 【signature】 counts too. Placeholders are counted as typed. */
(function () {
  "use strict";

  function segments(length) {
    if (length === 0) return 0;
    return length <= 70 ? 1 : Math.ceil(length / 67);
  }

  function attach(textarea) {
    var counter = document.createElement("span");
    counter.className = "help sms-counter";
    counter.setAttribute("aria-live", "polite");
    var template = textarea.getAttribute("data-sms-counter");
    var extra = parseInt(textarea.getAttribute("data-sms-extra") || "0", 10);
    var update = function () {
      var length = textarea.value.length + extra;
      counter.textContent = template.replace("%(length)s", length).replace("%(segments)s", segments(length));
    };
    textarea.insertAdjacentElement("afterend", counter);
    textarea.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-sms-counter]").forEach(attach);
  });
})();
