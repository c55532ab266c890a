// The explorer page of dhr-graph: draws the agency network with sigma.js (WebGL) at positions
// computed in Python, filters it, and lists what a click or a search finds. Text from the data
// is only ever put on screen with textContent: it never becomes markup.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("dhr-data").textContent);
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function option(select, value, label) {
    const o = el("option", label);
    o.value = String(value);
    select.appendChild(o);
  }

  // ---- indexes -----------------------------------------------------------------------
  const recsOfAgency = D.agencies.map(() => []);
  const recsOfReview = D.reviews.map(() => []);
  D.recs.forEach((r, i) => {
    recsOfReview[r[0]].push(i);
    r[3].forEach((a) => recsOfAgency[a].push(i));
  });
  const linksOfReview = D.reviews.map(() => []);
  D.links.forEach((l, i) => { linksOfReview[l[0]].push(i); linksOfReview[l[1]].push(i); });
  const years = D.reviews.map((r) => r.year).filter((y) => y !== null);
  const minYear = years.length ? Math.min.apply(null, years) : 0;
  const maxYear = years.length ? Math.max.apply(null, years) : 0;
  const regions = D.regions || [];
  const forces = D.forces || [];
  const caseTypes = D.caseTypes || [];

  // ---- state and filtering -----------------------------------------------------------
  const state = { sectors: new Set(D.sectors.map((_, i) => i)), theme: "", from: minYear, to: maxYear,
                  area: "", region: "", force: "", caseType: "", selected: null, matches: new Set() };
  let shownRecs = [];       // indexes of the recommendations that pass the filters
  let recCount = [];        // per agency: recommendations shown
  let edgeCount = new Map(); // "a-b" -> recommendations shown that address both

  function reviewPasses(rv) {
    const r = D.reviews[rv];
    if (r.year !== null && (r.year < state.from || r.year > state.to)) return false;
    if (state.area !== "" && r.area !== Number(state.area)) return false;
    if (state.region !== "" && !(r.regions || []).includes(Number(state.region))) return false;
    if (state.force !== "" && !(r.forces || []).includes(Number(state.force))) return false;
    if (state.caseType !== "" && !(r.caseTypes || []).includes(Number(state.caseType))) return false;
    return true;
  }
  function recPasses(i) {
    const r = D.recs[i];
    if (state.theme !== "" && !r[4].includes(Number(state.theme))) return false;
    return reviewPasses(r[0]);
  }
  function agencyShown(a) {
    return recCount[a] > 0 && state.sectors.has(D.agencies[a].sector);
  }
  function applyFilters() {
    shownRecs = [];
    recCount = new Array(D.agencies.length).fill(0);
    edgeCount = new Map();
    D.recs.forEach((r, i) => {
      if (!recPasses(i)) return;
      shownRecs.push(i);
      const ag = r[3];
      for (let x = 0; x < ag.length; x++) {
        recCount[ag[x]]++;
        for (let y = x + 1; y < ag.length; y++) {
          const key = ag[x] + "-" + ag[y];
          edgeCount.set(key, (edgeCount.get(key) || 0) + 1);
        }
      }
    });
    let nodes = 0, edges = 0;
    D.agencies.forEach((_, a) => { if (agencyShown(a)) nodes++; });
    graph.forEachEdge((key, attrs, s, t) => {
      if ((edgeCount.get(key) || 0) > 0 && agencyShown(Number(s)) && agencyShown(Number(t))) edges++;
    });
    const reviewsShown = new Set(shownRecs.map((i) => D.recs[i][0])).size;
    $("summary").textContent = nodes + " of " + D.agencies.length + " agencies, " + edges + (edges === 1 ? " link" : " links") + " between them; " +
      shownRecs.length + " of " + D.recs.length + " recommendations from " + reviewsShown + " of " +
      D.reviews.length + " reviews.";
    container.dataset.nodes = String(nodes);
    container.dataset.edges = String(edges);
    renderer.refresh();
    placeLabels();
    drawCharts();
    if (state.selected) showSelected();
  }

  // ---- the network -------------------------------------------------------------------
  const container = $("network");
  const graph = new graphology.Graph({ type: "undirected" });
  D.agencies.forEach((a, i) => {
    graph.addNode(String(i), { x: a.x, y: a.y, label: a.label, color: D.sectors[a.sector].colour,
                               size: 1.5 + 1.6 * Math.log2(1 + a.recommendations) });
  });
  D.recs.forEach((r) => {
    const ag = r[3];
    for (let x = 0; x < ag.length; x++) {
      for (let y = x + 1; y < ag.length; y++) {
        const key = ag[x] + "-" + ag[y];
        if (graph.hasEdge(key)) graph.updateEdgeAttribute(key, "weight", (w) => w + 1);
        else graph.addEdgeWithKey(key, String(ag[x]), String(ag[y]), { weight: 1 });
      }
    }
  });
  let neighbours = new Set();
  const renderer = new Sigma(graph, container, {
    labelRenderedSizeThreshold: Infinity, // labels: only those placeLabels() lets through
    defaultEdgeColor: "#7f8a99", zIndex: true, minCameraRatio: 0.02, maxCameraRatio: 4,
    nodeReducer: (node, data) => {
      const a = Number(node);
      if (!agencyShown(a)) return Object.assign({}, data, { hidden: true });
      const out = Object.assign({}, data, { size: 1.5 + 1.6 * Math.log2(1 + recCount[a]) });
      if (state.selected && state.selected.kind === "agency") {
        if (state.selected.index === a) { out.highlighted = true; out.zIndex = 2; out.forceLabel = true; }
        else if (!neighbours.has(a)) { out.color = "#d9d9d9"; out.label = ""; out.zIndex = 0; }
        else out.zIndex = 1;
      }
      if (labelled.has(a)) out.forceLabel = true;
      if (state.matches.has(a)) { out.highlighted = true; out.forceLabel = true; }
      return out;
    },
    edgeReducer: (edge, data) => {
      const n = edgeCount.get(edge) || 0;
      const ends = graph.extremities(edge).map(Number);
      if (n === 0 || !agencyShown(ends[0]) || !agencyShown(ends[1])) return Object.assign({}, data, { hidden: true });
      const out = Object.assign({}, data, { size: 0.5 + 0.8 * Math.log2(1 + n) });
      if (state.selected && state.selected.kind === "agency" && !ends.includes(state.selected.index)) {
        out.color = "#eeeeee";
      }
      return out;
    },
  });
  // Labels by importance, never on top of each other: the most addressed agencies in view get
  // theirs first, and a label that would overlap one already placed waits for a closer zoom.
  let labelled = new Set();
  let labelsQueued = false;
  function placeLabels() {
    labelsQueued = false;
    const boxes = [];
    const next = new Set();
    const w = container.clientWidth, h = container.clientHeight;
    const order = [];
    D.agencies.forEach((_, a) => { if (agencyShown(a)) order.push(a); });
    order.sort((x, y) => recCount[y] - recCount[x] || x - y);
    for (const a of order) {
      if (next.size >= 80) break;
      const d = renderer.getNodeDisplayData(String(a));
      if (!d || d.hidden) continue;
      const p = renderer.framedGraphToViewport(d);
      if (p.x < 0 || p.y < 0 || p.x > w || p.y > h) continue;
      const text = D.agencies[a].label;
      const box = [p.x - d.size, p.y - 8, p.x + d.size + 6 + 6.2 * text.length, p.y + 8];
      if (boxes.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3])) continue;
      boxes.push(box);
      next.add(a);
    }
    const changed = next.size !== labelled.size || [...next].some((a) => !labelled.has(a));
    labelled = next;
    container.dataset.labels = String(next.size);
    if (changed) renderer.refresh();
  }
  function queueLabels() {
    if (!labelsQueued) { labelsQueued = true; requestAnimationFrame(placeLabels); }
  }
  renderer.getCamera().on("updated", queueLabels);
  renderer.on("clickNode", (e) => select({ kind: "agency", index: Number(e.node) }));
  renderer.on("clickStage", () => { if (state.selected) select(null); });

  // ---- controls ----------------------------------------------------------------------
  D.sectors.forEach((s, i) => {
    const label = el("label");
    const box = el("input");
    box.type = "checkbox"; box.checked = true; box.value = String(i);
    box.addEventListener("change", () => {
      if (box.checked) state.sectors.add(i); else state.sectors.delete(i);
      applyFilters();
    });
    const swatch = el("span", null, "swatch");
    swatch.style.background = s.colour;
    label.append(box, swatch, document.createTextNode(s.label));
    $("sectors").appendChild(label);
  });
  D.themes.map((t, i) => [t.label, i]).sort().forEach(([label, i]) => option($("theme"), i, label));
  for (let y = minYear; y <= maxYear; y++) { option($("year-from"), y, y); option($("year-to"), y, y); }
  $("year-from").value = String(minYear); $("year-to").value = String(maxYear);
  D.areas.map((a, i) => [a.label, i]).sort().forEach(([label, i]) => option($("area"), i, label));
  if (regions.length) {
    $("region-filter").hidden = false;
    regions.map((r, i) => [r.label, i]).sort().forEach(([label, i]) => option($("region"), i, label));
  }
  if (forces.length) {
    $("force-filter").hidden = false;
    forces.map((f, i) => [f.label, i]).sort().forEach(([label, i]) => option($("force"), i, label));
  }
  if (caseTypes.length) {
    $("case-type-filter").hidden = false;
    caseTypes.map((c, i) => [c.label, i]).sort().forEach(([label, i]) => option($("case-type"), i, label));
  }
  const bind = (id, key, numeric) => $(id).addEventListener("change", (e) => {
    state[key] = numeric ? Number(e.target.value) : e.target.value;
    applyFilters();
  });
  bind("theme", "theme"); bind("year-from", "from", true); bind("year-to", "to", true);
  bind("area", "area"); bind("region", "region"); bind("force", "force"); bind("case-type", "caseType");
  $("reset").addEventListener("click", () => {
    state.sectors = new Set(D.sectors.map((_, i) => i));
    document.querySelectorAll("#sectors input").forEach((b) => { b.checked = true; });
    Object.assign(state, { theme: "", from: minYear, to: maxYear, area: "", region: "", force: "", caseType: "" });
    ["theme", "area", "region", "force", "case-type"].forEach((id) => { $(id).value = ""; });
    $("year-from").value = String(minYear); $("year-to").value = String(maxYear);
    applyFilters();
  });
  $("controls").addEventListener("submit", (e) => e.preventDefault());

  // search: agencies and reviews whose label holds the words typed
  const search = $("search");
  let found = [];
  search.addEventListener("input", () => {
    const q = search.value.trim().toLowerCase();
    const list = $("matches");
    list.textContent = "";
    found = [];
    state.matches = new Set();
    if (q.length >= 2) {
      D.agencies.forEach((a, i) => { if (a.label.toLowerCase().includes(q)) found.push({ kind: "agency", index: i }); });
      D.reviews.forEach((r, i) => { if (r.label.toLowerCase().includes(q)) found.push({ kind: "review", index: i }); });
      found.slice(0, 40).forEach((f) => {
        const li = el("li");
        const b = el("button");
        b.type = "button";
        b.append(el("span", f.kind, "kind"), document.createTextNode(labelOf(f)));
        b.addEventListener("click", () => select(f));
        li.appendChild(b);
        list.appendChild(li);
      });
      if (found.length > 40) list.appendChild(el("li", "… and " + (found.length - 40) + " more: type more words"));
      found.forEach((f) => { if (f.kind === "agency") state.matches.add(f.index); });
    }
    container.dataset.matches = String(found.length);
    renderer.refresh();
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); if (found.length) select(found[0]); }
  });

  function labelOf(f) { return f.kind === "agency" ? D.agencies[f.index].label : D.reviews[f.index].label; }

  // ---- panels ------------------------------------------------------------------------
  function select(what) {
    state.selected = what;
    neighbours = new Set();
    if (what && what.kind === "agency") {
      graph.forEachNeighbor(String(what.index), (n) => neighbours.add(Number(n)));
      const attrs = renderer.getNodeDisplayData(String(what.index));
      if (attrs) renderer.getCamera().animate({ x: attrs.x, y: attrs.y }, { duration: 300 });
    }
    renderer.refresh();
    showSelected();
  }
  function showSelected() {
    const panel = $("details");
    panel.textContent = "";
    const what = state.selected;
    if (!what) { panel.appendChild(el("p", "Click an agency or search for one.", "hint")); return; }
    if (what.kind === "agency") agencyPanel(panel, what.index); else reviewPanel(panel, what.index);
    panel.dataset.kind = what.kind;
  }
  function reviewButton(rv) {
    const b = el("button", D.reviews[rv].label, "link");
    b.type = "button";
    b.addEventListener("click", () => select({ kind: "review", index: rv }));
    return b;
  }
  function agencyPanel(panel, a) {
    const agency = D.agencies[a];
    panel.appendChild(el("h2", agency.label));
    const recs = recsOfAgency[a].filter(recPasses);
    panel.appendChild(el("p", D.sectors[agency.sector].label + " · " + recs.length + " of " +
      recsOfAgency[a].length + " recommendations shown", "meta"));
    const byReview = new Map();
    recs.forEach((i) => {
      const rv = D.recs[i][0];
      if (!byReview.has(rv)) byReview.set(rv, []);
      byReview.get(rv).push(i);
    });
    byReview.forEach((items, rv) => {
      const h = el("h3");
      h.appendChild(reviewButton(rv));
      panel.appendChild(h);
      const ul = el("ul");
      items.forEach((i) => ul.appendChild(recItem(i, false)));
      panel.appendChild(ul);
    });
  }
  function recItem(i, withAddressees) {
    const r = D.recs[i];
    const li = el("li");
    li.append(el("span", r[1], "number"), document.createTextNode(r[2]));
    if (withAddressees) {
      const who = r[3].map((a) => D.agencies[a].label).join("; ") || "no single agency";
      const themes = r[4].map((t) => D.themes[t].label).join("; ");
      li.appendChild(el("div", "→ " + who + (themes ? " · themes: " + themes : ""), "meta"));
    }
    return li;
  }
  function reviewPanel(panel, rv) {
    const r = D.reviews[rv];
    panel.appendChild(el("h2", r.title));
    const area = r.area >= 0 ? D.areas[r.area].label : "area not known";
    const places = (r.regions || []).map((i) => regions[i].label).concat((r.forces || []).map((i) => forces[i].label + " police force area"));
    const kinds = (r.caseTypes || []).map((i) => caseTypes[i].label);
    panel.appendChild(el("p", r.id + " · " + area + " · published " + (r.published || "?") +
      " · year of death " + (r.death === null ? "not given" : r.death), "meta"));
    if (places.length || kinds.length) {
      panel.appendChild(el("p", places.concat(kinds.length ? ["case type (DHRD): " + kinds.join(", ")] : []).join(" · "), "meta"));
    }
    panel.appendChild(el("h3", "Recommendations (" + recsOfReview[rv].length + ")"));
    const ul = el("ul");
    recsOfReview[rv].forEach((i) => ul.appendChild(recItem(i, true)));
    panel.appendChild(ul);
    const links = linksOfReview[rv];
    panel.appendChild(el("h3", "Linked reviews (" + new Set(links.map((l) => D.links[l][0] === rv ? D.links[l][1] : D.links[l][0])).size + ")"));
    const byBasis = new Map();
    links.forEach((l) => {
      const link = D.links[l];
      if (link[4] >= 0) return; // recurring recommendations are listed side by side below
      const label = D.bases[link[2]].label;
      if (!byBasis.has(label)) byBasis.set(label, []);
      byBasis.get(label).push(link);
    });
    byBasis.forEach((items, label) => {
      panel.appendChild(el("h4", label));
      const list = el("ul");
      items.sort((x, y) => (y[3] || 0) - (x[3] || 0)).forEach((link) => {
        const other = link[0] === rv ? link[1] : link[0];
        const li = el("li");
        li.appendChild(reviewButton(other));
        if (link[3] !== null) li.appendChild(document.createTextNode(" score " + link[3]));
        list.appendChild(li);
      });
      panel.appendChild(list);
    });
    const recurring = links.map((l) => D.links[l]).filter((link) => link[4] >= 0 && link[5] >= 0);
    if (recurring.length) {
      panel.appendChild(el("h3", "Recurring recommendations (" + recurring.length + ")"));
      const table = el("table", null, "pairs");
      const head = el("tr");
      head.append(el("th", "This review"), el("th", "Other review"), el("th", "Similarity"));
      table.appendChild(head);
      recurring.sort((x, y) => (y[3] || 0) - (x[3] || 0)).forEach((link) => {
        const mine = link[0] === rv ? link[4] : link[5];
        const theirs = link[0] === rv ? link[5] : link[4];
        const tr = el("tr");
        const other = el("td");
        other.append(reviewButton(D.recs[theirs][0]), el("div", D.recs[theirs][1] + " " + D.recs[theirs][2]));
        tr.append(el("td", D.recs[mine][1] + " " + D.recs[mine][2]), other, el("td", link[3]));
        table.appendChild(tr);
      });
      panel.appendChild(table);
    }
  }

  // ---- charts ------------------------------------------------------------------------
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#8C6D31", "#3B3B98"];
  function yearSpan() {
    const out = [];
    for (let y = state.from; y <= state.to; y++) out.push(y);
    return out;
  }
  function stacked(target, series) {
    // series: [{label, colour, values: Map(year -> n)}]
    const box = $(target);
    box.textContent = "";
    const ys = yearSpan();
    const W = 560, H = 240, left = 36, bottom = 20, legendW = 170;
    box.setAttribute("viewBox", "0 0 " + W + " " + H);
    const totals = ys.map((y) => series.reduce((s, ser) => s + (ser.values.get(y) || 0), 0));
    const top = Math.max(1, ...totals);
    const bw = (W - left - legendW) / Math.max(1, ys.length);
    ys.forEach((y, i) => {
      let acc = 0;
      series.forEach((ser) => {
        const n = ser.values.get(y) || 0;
        if (!n) return;
        const h = (H - bottom - 10) * n / top;
        const rect = svg("rect", { x: left + i * bw + 1, y: H - bottom - acc - h, width: Math.max(1, bw - 2), height: h, fill: ser.colour });
        rect.appendChild(svg("title", {}, ser.label + ", " + y + ": " + n));
        box.appendChild(rect);
        acc += h;
      });
      if (ys.length <= 16 || i % Math.ceil(ys.length / 16) === 0) {
        box.appendChild(svg("text", { x: left + i * bw + bw / 2, y: H - 6, "text-anchor": "middle" }, y));
      }
    });
    box.appendChild(svg("text", { x: left - 4, y: 14, "text-anchor": "end" }, top));
    box.appendChild(svg("line", { x1: left, y1: H - bottom, x2: W - legendW, y2: H - bottom, stroke: "#999" }));
    series.forEach((ser, i) => {
      box.appendChild(svg("rect", { x: W - legendW + 8, y: 8 + i * 14, width: 9, height: 9, fill: ser.colour }));
      box.appendChild(svg("text", { x: W - legendW + 22, y: 16 + i * 14 }, ser.label.length > 28 ? ser.label.slice(0, 27) + "…" : ser.label));
    });
    box.dataset.bars = String(box.querySelectorAll("rect").length - series.length);
  }
  function drawCharts() {
    const bySector = new Map(), byTheme = new Map(), themeTotal = new Map();
    shownRecs.forEach((i) => {
      const r = D.recs[i];
      const y = D.reviews[r[0]].year;
      const sectors = new Set(r[3].map((a) => D.agencies[a].sector).filter((s) => state.sectors.has(s)));
      sectors.forEach((s) => {
        if (!bySector.has(s)) bySector.set(s, new Map());
        bySector.get(s).set(y, (bySector.get(s).get(y) || 0) + 1);
      });
      r[4].forEach((t) => {
        if (!byTheme.has(t)) byTheme.set(t, new Map());
        byTheme.get(t).set(y, (byTheme.get(t).get(y) || 0) + 1);
        themeTotal.set(t, (themeTotal.get(t) || 0) + 1);
      });
    });
    stacked("chart-sectors", [...bySector.keys()].sort((a, b) => a - b).map((s) =>
      ({ label: D.sectors[s].label, colour: D.sectors[s].colour, values: bySector.get(s) })));
    const topThemes = [...themeTotal.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 8);
    stacked("chart-themes", topThemes.map(([t], i) => ({ label: D.themes[t].label, colour: PALETTE[i], values: byTheme.get(t) })));
    // agencies most often addressed
    const box = $("chart-agencies");
    box.textContent = "";
    const ranked = D.agencies.map((_, a) => a).filter(agencyShown).sort((a, b) => recCount[b] - recCount[a] || a - b).slice(0, 12);
    const W = 560, H = 240, rowH = H / 12, labelW = 250;
    box.setAttribute("viewBox", "0 0 " + W + " " + H);
    const top = ranked.length ? recCount[ranked[0]] : 1;
    ranked.forEach((a, i) => {
      const w = (W - labelW - 40) * recCount[a] / top;
      const label = D.agencies[a].label;
      box.appendChild(svg("text", { x: labelW - 6, y: i * rowH + rowH * 0.7, "text-anchor": "end" }, label.length > 42 ? label.slice(0, 41) + "…" : label));
      const bar = svg("rect", { x: labelW, y: i * rowH + 3, width: Math.max(1, w), height: rowH - 6, fill: D.sectors[D.agencies[a].sector].colour });
      bar.appendChild(svg("title", {}, label + ": " + recCount[a]));
      bar.addEventListener("click", () => select({ kind: "agency", index: a }));
      box.appendChild(bar);
      box.appendChild(svg("text", { x: labelW + w + 4, y: i * rowH + rowH * 0.7 }, recCount[a]));
    });
    box.dataset.bars = String(ranked.length);
  }

  applyFilters();
  document.body.dataset.ready = "true";
  window.dhrExplorer = { state: state, select: select, renderer: renderer }; // for people poking in the console
})();
