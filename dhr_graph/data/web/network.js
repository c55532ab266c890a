// dhr-graph network page: a small SVG force layout written for this page (no library).
// Every text from the data is set with textContent, never parsed as HTML.
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("dhr-data").textContent);
  var nodes = data.nodes, edges = data.edges, sectors = data.sectors, reviews = data.reviews;
  var svg = document.getElementById("network");
  var details = document.getElementById("details");
  var search = document.getElementById("search");
  var sectorSelect = document.getElementById("sector");
  var matchList = document.getElementById("matches");
  var selected = -1;

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG_NS, name);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, String(attrs[k])); } }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function html(name, text, parent, cls) {
    var e = document.createElement(name);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    if (parent) { parent.appendChild(e); }
    return e;
  }

  // ---- layout: deterministic start on a sunflower spiral, then forces for a fixed number of steps
  function layout() {
    var n = nodes.length, i, j, k;
    var x = new Float64Array(n), y = new Float64Array(n), dx = new Float64Array(n), dy = new Float64Array(n);
    var golden = Math.PI * (3 - Math.sqrt(5));
    for (i = 0; i < n; i++) { var r = 12 * Math.sqrt(i + 0.5); x[i] = r * Math.cos(i * golden); y[i] = r * Math.sin(i * golden); }
    var steps = Math.max(20, Math.min(300, Math.floor(4e7 / Math.max(1, n * n))));
    var ideal = 40, temp = 40, cutoff = 36 * ideal * ideal;
    for (k = 0; k < steps; k++) {
      dx.fill(0); dy.fill(0);
      for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
          var ex = x[i] - x[j], ey = y[i] - y[j], d2 = ex * ex + ey * ey + 0.01;
          if (d2 > cutoff) { continue; }  // far nodes do not push: separate parts stay close
          var f = ideal * ideal / d2;
          dx[i] += ex * f; dy[i] += ey * f; dx[j] -= ex * f; dy[j] -= ey * f;
        }
      }
      for (i = 0; i < edges.length; i++) {
        var a = edges[i][0], b = edges[i][1];
        var fx = x[a] - x[b], fy = y[a] - y[b], d = Math.sqrt(fx * fx + fy * fy) + 0.01;
        var s = d / ideal * Math.min(3, 1 + Math.log(edges[i][2]));
        dx[a] -= fx * s; dy[a] -= fy * s; dx[b] += fx * s; dy[b] += fy * s;
      }
      for (i = 0; i < n; i++) {
        dx[i] -= x[i] * 0.08; dy[i] -= y[i] * 0.08;  // gravity keeps separate parts on screen
        var m = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]) + 0.01, step = Math.min(m, temp);
        x[i] += dx[i] / m * step; y[i] += dy[i] / m * step;
      }
      temp = Math.max(1, temp * 0.97);
    }
    return { x: x, y: y };
  }

  function radius(node) { return 4 + 3 * Math.sqrt(node.recommendations); }

  // ---- drawing
  var pos = layout();
  var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  nodes.forEach(function (node, i) {
    var r = radius(node), labelWidth = Math.min(240, 6.5 * node.label.length);  // room for its label
    minX = Math.min(minX, pos.x[i] - r); maxX = Math.max(maxX, pos.x[i] + r + labelWidth);
    minY = Math.min(minY, pos.y[i] - r); maxY = Math.max(maxY, pos.y[i] + r);
  });
  if (!nodes.length) { minX = minY = -50; maxX = maxY = 50; }
  var view = { x: minX - 40, y: minY - 40, w: maxX - minX + 80, h: maxY - minY + 80 };
  function applyView() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
  applyView();

  var edgeLayer = el("g", { "class": "edges" }, svg);
  var nodeLayer = el("g", { "class": "nodes" }, svg);
  var labelLayer = el("g", { "class": "labels" }, svg);
  var edgeEls = edges.map(function (e) {
    return el("line", { "class": "edge", x1: pos.x[e[0]], y1: pos.y[e[0]], x2: pos.x[e[1]], y2: pos.y[e[1]],
      "stroke-width": Math.min(8, 0.8 + Math.log(e[2] + 1)) }, edgeLayer);
  });
  var ranked = nodes.map(function (n, i) { return i; }).sort(function (a, b) { return nodes[b].recommendations - nodes[a].recommendations; });
  var labelled = {};
  ranked.slice(0, 40).forEach(function (i) { labelled[i] = true; });
  var nodeEls = nodes.map(function (node, i) {
    var c = el("circle", { "class": "node", cx: pos.x[i], cy: pos.y[i], r: radius(node),
      fill: sectors[node.sector].colour, "data-index": i, "data-label": node.label }, nodeLayer);
    var tip = el("title", {}, c);
    tip.textContent = node.label + " (" + node.recommendations + " recommendations)";
    c.addEventListener("click", function (ev) { ev.stopPropagation(); select(i); });
    return c;
  });
  var labelEls = {};
  Object.keys(labelled).forEach(function (i) {
    var t = el("text", { x: pos.x[i] + radius(nodes[i]) + 2, y: pos.y[i] + 4 }, labelLayer);
    t.textContent = nodes[i].label;
    labelEls[i] = t;
  });

  // ---- sectors: filter options and legend
  var legend = document.getElementById("legend");
  sectors.forEach(function (s, i) {
    if (!s.count) { return; }
    var opt = html("option", s.label + " (" + s.count + ")", sectorSelect);
    opt.value = String(i);
    var li = html("li", null, legend);
    var sw = html("span", null, li, "swatch");
    sw.style.backgroundColor = s.colour;
    html("span", s.label + " (" + s.count + ")", li);
  });

  function visible(i) { return sectorSelect.value === "" || String(nodes[i].sector) === sectorSelect.value; }

  function refresh() {
    var query = search.value.trim().toLowerCase();
    var shown = 0, shownEdges = 0, matches = [];
    nodes.forEach(function (node, i) {
      var vis = visible(i);
      var hit = vis && query !== "" && node.label.toLowerCase().indexOf(query) >= 0;
      nodeEls[i].classList.toggle("hidden", !vis);
      nodeEls[i].classList.toggle("match", hit);
      nodeEls[i].classList.toggle("dim", vis && query !== "" && !hit);
      if (labelEls[i]) { labelEls[i].classList.toggle("hidden", !vis); }
      if (vis) { shown++; }
      if (hit) { matches.push(i); }
    });
    edges.forEach(function (e, k) {
      var vis = visible(e[0]) && visible(e[1]);
      edgeEls[k].classList.toggle("hidden", !vis);
      edgeEls[k].classList.toggle("dim", vis && query !== "");
      if (vis) { shownEdges++; }
    });
    while (matchList.firstChild) { matchList.removeChild(matchList.firstChild); }
    matches.slice(0, 20).forEach(function (i) {
      var b = html("button", nodes[i].label, html("li", null, matchList));
      b.type = "button";
      b.addEventListener("click", function () { select(i); });
    });
    document.getElementById("summary").textContent = shown + " of " + nodes.length + " agencies and " +
      shownEdges + " links shown" + (query ? "; " + matches.length + " match the search" : "") + ".";
    svg.setAttribute("data-matches", String(matches.length));
    return matches;
  }

  function select(i) {
    if (selected >= 0) { nodeEls[selected].classList.remove("selected"); }
    selected = i;
    nodeEls[i].classList.add("selected");
    var node = nodes[i];
    while (details.firstChild) { details.removeChild(details.firstChild); }
    html("h2", node.label, details);
    html("p", [sectors[node.sector].label || "No sector", node.recommendations + " recommendations",
      node.reviews + " reviews", node.theme ? "main theme: " + node.theme : ""].filter(Boolean).join(" · "), details);
    var list = null, current = -1;
    node.recs.forEach(function (rec) {
      if (rec[0] !== current) {
        current = rec[0];
        html("h3", reviews[current].title, details);
        list = html("ul", null, details, "recommendations");
      }
      var li = html("li", null, list);
      if (rec[1]) { html("span", rec[1], li, "number"); }
      html("span", rec[2], li, "text");
    });
    details.setAttribute("data-agency", node.id);
  }

  search.addEventListener("input", refresh);
  sectorSelect.addEventListener("change", refresh);
  document.getElementById("controls").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var m = refresh();
    if (m.length) { select(m[0]); }
  });

  // ---- pan and zoom
  var drag = null;
  svg.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, y: ev.clientY }; });
  window.addEventListener("mouseup", function () { drag = null; });
  svg.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    var scale = view.w / svg.clientWidth;
    view.x -= (ev.clientX - drag.x) * scale; view.y -= (ev.clientY - drag.y) * scale;
    drag = { x: ev.clientX, y: ev.clientY };
    applyView();
  });
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var f = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    view.x += view.w * (1 - f) / 2; view.y += view.h * (1 - f) / 2; view.w *= f; view.h *= f;
    applyView();
  }, { passive: false });

  refresh();
  document.body.setAttribute("data-ready", "true");
})();
