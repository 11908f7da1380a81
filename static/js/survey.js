// A slip's QR code opens /survey/#<code>: the code after "#" never reaches the server
// (nor its logs). Put it in the field, then take it out of the address bar and the
// history, so that the next person to use this phone does not find it. Without
// JavaScript the code is typed; the page works the same.
(function () {
  "use strict";
  var field = document.getElementById("id_code");
  var code = "";
  try {
    code = decodeURIComponent(window.location.hash.slice(1));
  } catch (error) {
    return; // a malformed fragment: leave the field to be typed
  }
  if (!field || field.type !== "text" || !code) {
    return;
  }
  if (!field.value) {
    field.value = code.slice(0, field.maxLength > 0 ? field.maxLength : 40);
  }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  var button = field.form && field.form.querySelector("button[type=submit]");
  if (button) {
    button.focus();
  }
}());
