// A filter box above every long table: type words (an action, a flag, "rollback", ...) and
// only the rows holding all of them stay. Plain DOM, no dependencies, nothing fetched.
(function () {
  "use strict";
  var MIN_ROWS = 12;

  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function addFilter(table) {
    if (table.dataset.filter === "on") return;
    var rows = Array.prototype.slice.call(table.tBodies.length ? table.tBodies[0].rows : []);
    if (rows.length < MIN_ROWS) return;
    table.dataset.filter = "on";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "lp-table-filter";
    box.placeholder = "Filter these " + rows.length + " rows (e.g. PassRole, rollback)";
    box.setAttribute("aria-label", "Filter the rows of the table below");
    var count = document.createElement("span");
    count.className = "lp-table-count";
    count.setAttribute("aria-live", "polite");
    var bar = document.createElement("div");
    bar.className = "lp-table-bar";
    bar.appendChild(box);
    bar.appendChild(count);
    var anchor = table.closest(".md-typeset__scrollwrap") || table;
    anchor.parentNode.insertBefore(bar, anchor);
    box.addEventListener("input", function () {
      var wanted = words(box.value);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var keep = wanted.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !keep;
        if (keep) shown += 1;
      });
      count.textContent = wanted.length ? shown + " of " + rows.length + " rows" : "";
    });
  }

  function setUp() {
    document.querySelectorAll(".md-typeset table").forEach(addFilter);
  }

  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(setUp); // Material for MkDocs: also after instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
