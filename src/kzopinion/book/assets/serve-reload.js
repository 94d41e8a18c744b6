/* make serve only: added to each page it serves, never written into the book (kzopinion.book.serve).
   Asks for the build number four times a second and reloads when it changes; shows the failed build's
   message over the previous book while there is one. */
(function () {
  var seen = null;
  function show(message) {
    var box = document.getElementById("kz-serve-error");
    if (!message) { if (box) { box.remove(); } return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "kz-serve-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:9999;max-height:40vh;" +
        "overflow:auto;background:#fff3f3;color:#7a0000;border:2px solid #b00020;padding:.75rem;white-space:pre-wrap;";
      document.body.appendChild(box);
    }
    box.textContent = "The last build failed; this is the previous book.\n\n" + message;
  }
  function poll() {
    fetch("/__kz_build", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (state) {
      if (seen !== null && state.version !== seen) { location.reload(); return; }
      seen = state.version;
      show(state.error);
    }).catch(function () {}).then(function () { setTimeout(poll, 250); });
  }
  poll();
})();
