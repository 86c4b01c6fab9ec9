// SMS length counter for template editors (the same rule as messaging/templating.py
// sms_segments): 70 characters fit one SMS; a longer text goes in parts of 67 each. The
// shop's 【signature】 and, for marketing, the opt-out text count too.
//
// Markup: <textarea data-sms-counter="#out" data-sms-signature="茶馆" data-sms-suffix=" 拒收请回复R">
//         <output id="out" data-sms-template="%(chars)s characters, %(parts)s SMS"></output>
// The template text comes from Django's translations, so nothing here needs them.
(function () {
  "use strict";
  var SINGLE = 70, PART = 67;

  function segments(length) {
    if (length === 0) return 0;
    return length <= SINGLE ? 1 : Math.ceil(length / PART);
  }

  function fullLength(field) {
    var signature = field.dataset.smsSignature ? "【" + field.dataset.smsSignature + "】" : "";
    // Array.from counts characters, not UTF-16 units, as the provider does.
    return Array.from(signature + field.value + (field.dataset.smsSuffix || "")).length;
  }

  function update(field, output) {
    var length = fullLength(field);
    output.textContent = output.dataset.smsTemplate
      .replace("%(chars)s", String(length))
      .replace("%(parts)s", String(segments(length)));
    output.classList.toggle("warning", segments(length) > 1);
  }

  function attach(field) {
    var output = document.querySelector(field.dataset.smsCounter);
    if (!output) return;
    field.addEventListener("input", function () { update(field, output); });
    update(field, output);
  }

  window.smsSegments = segments;
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-sms-counter]").forEach(attach);
  });
})();
