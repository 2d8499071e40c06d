// Veritext's only script (no framework, nothing inline, nothing from elsewhere): Escape hides the
// reason shown for a piece of evidence, so it can be dismissed without moving focus (WCAG 1.4.13).
"use strict";
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape") {
    document.querySelectorAll(".ev-wrap").forEach(function (wrap) { wrap.classList.add("tip-off"); });
  }
});
["focusin", "mouseover"].forEach(function (type) {
  document.addEventListener(type, function (event) {
    var wrap = event.target && event.target.closest ? event.target.closest(".ev-wrap") : null;
    document.querySelectorAll(".ev-wrap.tip-off").forEach(function (w) {
      if (w !== wrap || type === "focusin") { w.classList.remove("tip-off"); }
    });
  });
});
