/* The book's own script (no network, no dependency beyond the vendored Vega bundle).
 *
 * 1. Charts fit their container: single and layered charts take the container's width
 *    (Vega-Lite width "container"); faceted ones are narrowed until they fit. Long titles
 *    wrap, label limits and legend columns follow the width (wrapped category labels are
 *    wrapped again where a limit is narrower than their lines). The chart's action menu gets an
 *    accessible name, and the chart's description moves to the drawn SVG so the menu is not
 *    nested inside an image.
 * 2. The replication report's claims table (table.replication-report) can be searched,
 *    filtered by status, section and tier (whatever their position) and sorted by any column.
 * 3. Provenance tooltips of pasted values close with Escape and stay inside the window;
 *    a link to a claim's row highlights it. The pasted values of one paragraph (or list item,
 *    or table cell) are one tab stop: Tab reaches the first, the arrow keys move among them
 *    (a roving tabindex), and each shows its tooltip when focused.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------- 1. charts that fit
  var CHAR_PX = 6.8; // average width of a 12 px label character in the theme's font
  var COMPOSITE = ["facet", "hconcat", "vconcat", "concat", "repeat"];
  var LEGEND_CHANNELS = ["color", "fill", "stroke", "shape", "size", "opacity", "strokeDash"];

  function isComposite(spec) {
    if (COMPOSITE.some(function (k) { return k in spec; })) { return true; }
    var enc = spec.encoding || {};
    return Boolean(enc.row || enc.column || enc.facet);
  }

  function walk(node, visit, key) {
    if (Array.isArray(node)) {
      node.forEach(function (item) { walk(item, visit, key); });
    } else if (node && typeof node === "object") {
      visit(node, key);
      Object.keys(node).forEach(function (k) { walk(node[k], visit, k); });
    }
  }

  function wrapWords(text, maxChars) {
    if (typeof text !== "string" || text.length <= maxChars) { return text; }
    var lines = [], line = "";
    text.split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > maxChars) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function wrapHeaders(s, available) {
    var values = s.data && s.datasets && s.datasets[s.data.name];
    var chars = Math.max(12, Math.floor(available / 7.4));
    [s.facet && s.facet.row, s.encoding && s.encoding.row].forEach(function (def) {
      if (!def || !def.field || !Array.isArray(values)) { return; }
      var expr = "datum.value", seen = {};
      values.forEach(function (row) {
        var value = row[def.field];
        if (typeof value !== "string" || seen[value] || value.length <= chars) { return; }
        seen[value] = true;
        expr = "datum.value === " + JSON.stringify(value) + " ? " + JSON.stringify(wrapWords(value, chars)) + " : " + expr;
      });
      if (expr !== "datum.value") {
        def.header = Object.assign({}, def.header, {labelExpr: expr, labelLimit: available});
      }
    });
  }

  // Long category labels come wrapped into lines (kzopinion.analysis.charts: lines joined by "\n",
  // drawn line by line by the labelExpr LINES). Where a label limit is narrower here than a line,
  // the label is wrapped again to the limit, measured in the chart's font (a label expression
  // mapping it to its new lines), and the bands of the y axis grow to hold the extra lines.
  var LINES = "split(datum.label, '\\n')";

  function rewrapLabels(s) {
    var context = document.createElement("canvas").getContext("2d");
    var font = (s.config && s.config.font) || "sans-serif";
    function measure(text, size) { context.font = size + "px " + font; return context.measureText(text).width; }
    var values = {}, band = 0;
    Object.keys(s.datasets || {}).forEach(function (name) {
      (s.datasets[name] || []).forEach(function (row) {
        Object.keys(row).forEach(function (k) {
          if (typeof row[k] === "string") { (values[k] = values[k] || {})[row[k]] = true; }
        });
      });
    });
    walk(s, function (obj, key) {
      ["axis", "legend"].forEach(function (kind) {
        var guide = obj[kind];
        if (!guide || guide.labelExpr !== LINES || typeof guide.labelLimit !== "number" || !values[obj.field]) { return; }
        var size = guide.labelFontSize || 12, limit = guide.labelLimit, expr = LINES, most = 1;
        Object.keys(values[obj.field]).forEach(function (value) {
          var lines = value.split("\n");
          if (lines.every(function (line) { return measure(line, size) <= limit; })) {
            most = Math.max(most, lines.length);
            return;
          }
          var again = [];
          value.split(/\s+/).forEach(function (word) {
            var last = again.length - 1;
            if (last >= 0 && measure(again[last] + " " + word, size) <= limit) { again[last] += " " + word; }
            else { again.push(word); }
          });
          most = Math.max(most, again.length);
          expr = "datum.label === " + JSON.stringify(value) + " ? " + JSON.stringify(again) + " : " + expr;
        });
        guide.labelExpr = expr;
        if (kind === "axis" && key === "y") { band = Math.max(band, most * (guide.labelLineHeight || size + 2) + 8); }
      });
    });
    if (band) {
      walk(s, function (obj, key) {
        if (key === "height" && typeof obj.step === "number") { obj.step = Math.max(obj.step, band); }
      });
    }
  }

  // A copy of the spec adapted to a container `width` px wide; `scale` narrows facet cells.
  function adapt(spec, width, scale, extra) {
    var s = JSON.parse(JSON.stringify(spec));
    var chars = Math.max(20, Math.floor(width * 0.9 / CHAR_PX));
    // legends at the bottom sit side by side: share the width between them
    var legends = {};
    walk(spec, function (obj, key) {
      if (LEGEND_CHANNELS.indexOf(key) >= 0 && obj.field && obj.legend !== null) { legends[key + ":" + obj.field] = true; }
    });
    var legendColumns = Math.max(1, Math.floor((width - 20) / 175 / Math.max(1, Object.keys(legends).length)));
    // On a narrow screen small multiples side by side are stacked instead.
    if (width < 560 && s.facet && s.facet.column && !s.facet.row) {
      s.facet.row = s.facet.column;
      delete s.facet.column;
      s.facet.row.header = Object.assign({}, s.facet.row.header,
                                         {labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top"});
    }
    var labels = 0; // the widest label limit left of the plot
    walk(s, function (obj, key) {
      if (key !== "header" && typeof obj.labelLimit === "number") {
        // wrapped labels may take more of a wide chart (a page, a tablet): every line they would lose to
        // wrapping again adds a line's height to each band
        var share = obj.labelExpr === LINES && width >= 560 ? 0.6 : 0.5;
        obj.labelLimit = Math.min(obj.labelLimit, Math.round(width * share));
        labels = Math.max(labels, obj.labelLimit);
      }
    });
    rewrapLabels(s);
    // a facet's header starts where its plot starts, right of the axis labels: long headers
    // are wrapped into lines that fit there (a label expression mapping each value to its lines)
    var headerWidth = Math.max(100, Math.round(width - labels - 40));
    walk(s, function (obj, key) {
      if (key === "header" && typeof obj.labelLimit === "number") { obj.labelLimit = Math.min(obj.labelLimit, headerWidth); }
    });
    wrapHeaders(s, headerWidth);
    // the x title sits under the plot: wrap it to the plot's likely width (bold characters)
    var xChars = Math.max(12, Math.floor((width - (labels || width * 0.15) - 50) / 7.4));
    walk(s, function (obj, key) {
      // ordered categories (ranks, years) may drop labels that would touch, like numbers
      if (key === "x" && obj.type === "ordinal" && obj.axis !== null) {
        obj.axis = Object.assign({}, obj.axis, {labelOverlap: true, labelSeparation: 4});
      }
      // a chart's own legend settings follow the width too
      if (key === "legend" && obj && typeof obj === "object") {
        if (typeof obj.columns === "number") { obj.columns = Math.min(obj.columns, legendColumns); }
        if (typeof obj.labelLimit === "number") { obj.labelLimit = Math.min(obj.labelLimit, Math.round(width * 0.7)); }
      }
      if ((key === "x" || key === "color") && typeof obj.title === "string") {
        obj.title = wrapWords(obj.title, key === "x" ? xChars : chars);
      }
    });
    if (s.title) {
      if (typeof s.title === "string") { s.title = {text: s.title}; }
      s.title.text = wrapWords(s.title.text, Math.floor(width * 0.9 / 8.2));
      if (s.title.subtitle) { s.title.subtitle = wrapWords(s.title.subtitle, chars); }
    }
    s.config = s.config || {};
    s.config.legend = Object.assign({}, s.config.legend, {columns: legendColumns});
    // numeric axes drop tick labels that would touch ("0.000.05"), keeping a clear gap; axes of
    // categories keep every label (each names a bar)
    s.config.axisQuantitative = Object.assign({}, s.config.axisQuantitative, {labelOverlap: true, labelSeparation: 6});
    // the drawn SVG carries the chart's description (see accessible()); unlabelled ARIA
    // groups for every mark would only be noise to a screen reader
    s.config.aria = false;
    // a text mark with no x position is a centred note: wrap it to the width (arrays are lines)
    var mark = s.mark && (s.mark.type || s.mark);
    var values = s.data && (s.data.values || (s.datasets && s.datasets[s.data.name]));
    if (mark === "text" && !(s.encoding && s.encoding.x) && Array.isArray(values)) {
      var field = s.encoding && s.encoding.text && s.encoding.text.field;
      values.forEach(function (row) { if (field && typeof row[field] === "string") { row[field] = wrapWords(row[field], chars - 6); } });
    }
    if (extra) { s.padding = {left: 5 + extra.left, right: 5 + extra.right, top: 5, bottom: 5}; }
    if (!isComposite(s)) {
      s.width = "container";
      s.autosize = {type: "fit-x", contains: "padding"};
    } else if (scale < 1) {
      walk(s, function (obj, key) {
        if (key !== "config" && typeof obj.width === "number") { obj.width = Math.max(60, Math.floor(obj.width * scale)); }
      });
    }
    return s;
  }

  function availableWidth(el) {
    var style = getComputedStyle(el);
    return el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  }

  // How far text sticks out of the drawn SVG on each side (text marks placed past the plot).
  function overhang(el) {
    var svg = el.querySelector("svg.marks") || el.querySelector("svg"), out = {left: 0, right: 0};
    if (!svg) { return out; }
    var box = svg.getBoundingClientRect();
    Array.prototype.forEach.call(svg.querySelectorAll("text"), function (t) {
      var r = t.getBoundingClientRect();
      if (!r.width) { return; }
      out.left = Math.max(out.left, Math.ceil(box.left - r.left));
      out.right = Math.max(out.right, Math.ceil(r.right - box.right));
    });
    return out;
  }

  // The width Vega drew (the SVG's own width, before any CSS scaling to the column).
  function drawnWidth(el) {
    var svg = el.querySelector("svg.marks") || el.querySelector("svg");
    if (!svg) { return 0; }
    var own = parseFloat(svg.getAttribute("width"));
    return isNaN(own) ? svg.getBoundingClientRect().width : own;
  }

  function accessible(el, label) {
    el.removeAttribute("role");
    el.removeAttribute("aria-label");
    var svg = el.querySelector("svg.marks") || el.querySelector(":scope > svg");
    if (svg && label) {
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", label);
      svg.removeAttribute("aria-roledescription");
      // the image's parts are presentational: drop the unlabelled roles Vega gives mark groups
      Array.prototype.forEach.call(svg.querySelectorAll("[role], [aria-roledescription], [aria-label]"), function (node) {
        node.removeAttribute("role");
        node.removeAttribute("aria-roledescription");
        node.removeAttribute("aria-label");
      });
    }
    var summary = el.querySelector("details > summary");
    if (summary) {
      summary.setAttribute("aria-label", "Chart actions: save the chart as SVG or PNG");
      var icon = summary.querySelector("svg");
      if (icon) { icon.setAttribute("aria-hidden", "true"); icon.setAttribute("focusable", "false"); }
    }
  }

  function install(embed) {
    window.vegaEmbed = function (el, spec, options) {
      var label = el.getAttribute("aria-label") || spec.description || "";
      el.dataset.kzLabel = label;
      var result = null;
      function embedOnce(scale, extra) {
        if (result) { result.finalize(); }
        return embed(el, adapt(spec, availableWidth(el), scale, extra), options).then(function (r) {
          result = r;
          accessible(el, label);
          return r;
        });
      }
      function draw(scale) {
        return embedOnce(scale, null).then(function (r) {
          var extra = overhang(el);
          return extra.left > 0 || extra.right > 0 ? embedOnce(scale, extra) : r;
        });
      }
      function fit(scale, tries) {
        return draw(scale).then(function (r) {
          var width = availableWidth(el), drawn = drawnWidth(el);
          if (drawn > width + 1 && tries > 0 && scale > 0.2) {
            return fit(scale * Math.max(0.2, (width - 8) / drawn), tries - 1);
          }
          return r;
        });
      }
      var composite = isComposite(spec), lastWidth = availableWidth(el), timer = null;
      if (composite) {
        window.addEventListener("resize", function () {
          clearTimeout(timer);
          timer = setTimeout(function () {
            var width = availableWidth(el);
            if (Math.abs(width - lastWidth) > 4) { lastWidth = width; fit(1, 4); }
          }, 150);
        });
      }
      return composite ? fit(1, 4) : draw(1);
    };
  }

  if (window.vegaEmbed) { install(window.vegaEmbed); }

  // ---------------------------------------------------------------- 2. the claims table
  function cellText(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var code = cell.querySelector("code");
    var text = (index === 0 && code ? code.textContent : cell.textContent).trim();
    // a status cell is the status, then what qualifies it after a comma: the filter offers the status alone, so
    // it shows as many claims as the summary counts under that status
    return (cell.getAttribute("data-label") || "").toLowerCase() === "status" ? text.split(",")[0].trim() : text;
  }

  function sortKey(text) {
    var number = parseFloat(text.replace(/[,%\u2212]/g, function (c) { return c === "\u2212" ? "-" : ""; }));
    return isNaN(number) || !/^[\s\u2212+-]?[\d.,]+%?$/.test(text) ? null : number;
  }

  // Long ids, cell names and paths may break after _ / [ | . (with <wbr>, so the text itself, and
  // what a search matches, is unchanged): a column is then no wider than its ordinary words.
  function breakLongWords(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), texts = [];
    while (walker.nextNode()) { if (/\S{16,}/.test(walker.currentNode.nodeValue)) { texts.push(walker.currentNode); } }
    texts.forEach(function (node) {
      var fragment = document.createDocumentFragment();
      node.nodeValue.split(/(\s+)/).forEach(function (word) {
        if (word.length < 16) { fragment.appendChild(document.createTextNode(word)); return; }
        word.split(/(?<=[_\/[|.])/).forEach(function (part, i) {
          if (i > 0) { fragment.appendChild(document.createElement("wbr")); }
          fragment.appendChild(document.createTextNode(part));
        });
      });
      node.parentNode.replaceChild(fragment, node);
    });
  }

  function enhanceTable(table, number) {
    if (!table.tHead || table.dataset.kzEnhanced) { return; }
    table.dataset.kzEnhanced = "1";
    var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent.trim(); });
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row) {
      Array.prototype.forEach.call(row.cells, function (td, i) { td.setAttribute("data-label", heads[i] || ""); });
      var id = cellText(row, 0), code = row.cells[0] && row.cells[0].querySelector("code");
      if (!row.id && id && code) { row.id = "claim-" + id; }
      breakLongWords(row);
    });
    function column(name) {
      var lower = heads.map(function (h) { return h.toLowerCase(); });
      var exact = lower.indexOf(name);
      if (exact >= 0) { return exact; }
      for (var i = 0; i < lower.length; i++) { if (lower[i].indexOf(name) === 0) { return i; } }
      return -1;
    }
    var statusColumn = column("status");
    if (statusColumn >= 0) {
      rows.forEach(function (row) {
        var cell = row.cells[statusColumn];
        if (cell) { cell.classList.add("kz-status-" + cell.textContent.trim().toLowerCase().replace(/\s+/g, "-")); }
      });
    }
    var tools = document.createElement("div");
    tools.className = "kz-table-tools";
    tools.setAttribute("role", "search");
    tools.setAttribute("aria-label", "Filter the claims");
    var prefix = "kz-t" + number + "-";
    var search = document.createElement("input");
    search.type = "search";
    search.id = prefix + "search";
    search.placeholder = "id, statement, value ...";
    tools.appendChild(labelled("Search", search));
    var selects = [];
    ["status", "section", "tier"].forEach(function (name) {
      var index = column(name);
      if (index < 0) { return; }
      var select = document.createElement("select");
      select.id = prefix + name;
      select.dataset.column = String(index);
      var values = [];
      rows.forEach(function (row) { var v = cellText(row, index); if (values.indexOf(v) < 0) { values.push(v); } });
      [["", "all"]].concat(values.map(function (v) { return [v, v || "(none)"]; })).forEach(function (pair) {
        var option = document.createElement("option");
        option.value = pair[0];
        option.textContent = pair[1];
        if (!pair[0] && pair[1] === "(none)") { option.value = "\u0000none"; }
        select.appendChild(option);
      });
      tools.appendChild(labelled(heads[index], select));
      selects.push(select);
    });
    var count = document.createElement("p");
    count.className = "kz-table-count";
    count.setAttribute("aria-live", "polite");
    tools.appendChild(count);
    table.parentNode.insertBefore(tools, table);

    function apply() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var ok = words.every(function (w) { return text.indexOf(w) >= 0; }) && selects.every(function (select) {
          if (!select.value) { return true; }
          var value = cellText(row, Number(select.dataset.column));
          return select.value === "\u0000none" ? value === "" : value === select.value;
        });
        row.hidden = !ok;
        if (ok) { shown++; }
      });
      count.textContent = shown + " of " + rows.length + " claims shown";
    }
    search.addEventListener("input", apply);
    selects.forEach(function (select) { select.addEventListener("change", apply); });
    // a table wider than its column (more columns than fit) is shown as cards instead
    function fitColumns() {
      table.classList.remove("kz-cards");
      if (table.scrollWidth > table.parentElement.clientWidth + 1) { table.classList.add("kz-cards"); }
    }
    var resizing = null;
    window.addEventListener("resize", function () { clearTimeout(resizing); resizing = setTimeout(fitColumns, 150); });
    window.addEventListener("beforeprint", function () { table.classList.remove("kz-cards"); });
    fitColumns();
    table.kzReset = function () { search.value = ""; selects.forEach(function (s) { s.value = ""; }); apply(); };
    apply();

    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "kz-sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var keyed = rows.map(function (row, i) { var t = cellText(row, index); return {row: row, text: t, num: sortKey(t), i: i}; });
        keyed.sort(function (a, b) {
          var c = (a.num !== null && b.num !== null) ? a.num - b.num : a.text.localeCompare(b.text, undefined, {numeric: true});
          return (ascending ? c : -c) || a.i - b.i;
        });
        keyed.forEach(function (k) { body.appendChild(k.row); });
      });
    });
  }

  function labelled(text, control) {
    var label = document.createElement("label");
    label.htmlFor = control.id;
    label.textContent = text;
    var wrap = document.createElement("span");
    wrap.className = "kz-table-control";
    wrap.appendChild(label);
    wrap.appendChild(control);
    return wrap;
  }

  function showTarget() {
    var hash = decodeURIComponent(location.hash.slice(1));
    if (hash.indexOf("claim-") !== 0) { return; }
    var row = document.getElementById(hash);
    if (!row) { return; }
    var table = row.closest("table");
    if (row.hidden && table && table.kzReset) { table.kzReset(); }
    document.querySelectorAll(".kz-target").forEach(function (r) { r.classList.remove("kz-target"); });
    row.classList.add("kz-target");
    row.scrollIntoView({block: "center"});
  }

  // ---------------------------------------------------------------- 3. provenance tooltips
  // keep a tooltip inside the window: shift it left by what would stick out on the right
  function placeTip(prov) {
    var number = prov.querySelector(".kz-num");
    if (!number) { return; }
    number.style.removeProperty("--kz-shift");
    var tip = getComputedStyle(number, "::after"), left = number.getBoundingClientRect().left;
    var width = Math.min(parseFloat(tip.width) || 0, document.documentElement.clientWidth - 16);
    var over = left + width + 24 - (document.documentElement.clientWidth - 8);
    if (over > 0) { number.style.setProperty("--kz-shift", (-over) + "px"); }
  }

  // one tab stop per block of pasted values (per row of a table, its links back to the pages too);
  // Left/Right (and Home/End) move among them
  var BLOCKS = "p, li, td, th, dd, figcaption, caption";

  function rovingNumbers() {
    var groups = new Map();
    document.querySelectorAll(".kz-num, .kz-backlink").forEach(function (number) {
      var block = number.closest("tr") || number.closest(BLOCKS) || number.parentNode;
      if (!groups.has(block)) { groups.set(block, []); }
      groups.get(block).push(number);
    });
    groups.forEach(function (numbers) {
      numbers.forEach(function (number, i) {
        number.setAttribute("tabindex", i === 0 ? "0" : "-1");
        if (numbers.length > 1) {
          number.setAttribute("aria-keyshortcuts", "ArrowLeft ArrowRight");
        }
        number.addEventListener("keydown", function (event) {
          var to = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: numbers.length - 1}[event.key];
          if (to === undefined || to < 0 || to >= numbers.length) { return; }
          event.preventDefault();
          numbers.forEach(function (n) { n.setAttribute("tabindex", "-1"); });
          numbers[to].setAttribute("tabindex", "0");
          numbers[to].focus();
        });
      });
    });
  }

  function ready() {
    rovingNumbers();
    Array.prototype.forEach.call(document.querySelectorAll("table.replication-report"), enhanceTable);
    showTarget();
    window.addEventListener("hashchange", showTarget);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        document.querySelectorAll(".kz-prov").forEach(function (p) { p.classList.add("kz-tip-closed"); });
      }
    });
    ["mouseover", "focusin"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        var prov = event.target.closest && event.target.closest(".kz-prov");
        if (prov) { prov.classList.remove("kz-tip-closed"); placeTip(prov); }
      });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
