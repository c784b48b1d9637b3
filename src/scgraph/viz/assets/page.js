/* scgraph view: search, filters, legend, details and neighbour highlighting.
   Every text from the data is set with textContent, never as HTML. */
(function () {
  "use strict";
  var view = JSON.parse(document.getElementById("scgraph-data").textContent);
  var T = view.text;
  var SVG = "http://www.w3.org/2000/svg";
  var DIM = { background: "#EEEEEE", border: "#DDDDDD" };
  var DIM_FONT = { color: "#BBBBBB" };
  var DIM_EDGE = { color: "#E4E4E4", highlight: "#E4E4E4", opacity: 0.6 };
  var NO_SHADOW = { enabled: false };

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); }
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }

  document.getElementById("title").textContent = view.title;
  document.getElementById("summary").textContent = view.summary;

  var byId = {};
  view.nodes.forEach(function (n) { byId[n.id] = n; });
  var edgeById = {};
  view.edges.forEach(function (e) { edgeById[e.id] = e; });
  var adjacent = {};
  view.edges.forEach(function (e) {
    (adjacent[e.from] = adjacent[e.from] || []).push(e);
    (adjacent[e.to] = adjacent[e.to] || []).push(e);
  });

  var nodes = new vis.DataSet(view.nodes);
  var edges = new vis.DataSet(view.edges);
  var big = view.nodes.length > 300;
  var options = {
    physics: view.physics
      ? { enabled: true, stabilization: { iterations: 150, fit: true },
          barnesHut: { gravitationalConstant: -3000, springLength: 140, avoidOverlap: 0.6 } }
      : { enabled: false },
    interaction: { hover: true, tooltipDelay: 150, hideEdgesOnDrag: big, keyboard: false },
    nodes: { font: { size: 12, face: "system-ui, sans-serif" },
             scaling: { label: { drawThreshold: 7 } } },
    edges: { smooth: big ? false : { type: "continuous" }, arrows: { to: { scaleFactor: 0.6 } } },
    layout: { improvedLayout: false }
  };
  var network = new vis.Network(document.getElementById("graph"),
                                { nodes: nodes, edges: edges }, options);
  if (view.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
    });
  }

  /* --- highlighting: search matches or a clicked node and its neighbours --- */
  var state = { search: null, focus: null };
  var dimmedNodes = {};
  var dimmedEdges = {};
  function paint() {
    var active = state.focus || state.search;
    var nodeUpdates = [];
    view.nodes.forEach(function (n) {
      var dim = !!active && !active.has(n.id);
      if (dim !== !!dimmedNodes[n.id]) {
        dimmedNodes[n.id] = dim;
        nodeUpdates.push(dim ? { id: n.id, color: DIM, font: DIM_FONT, shadow: NO_SHADOW }
                             : { id: n.id, color: n.color, font: n.font || { color: "#222222" },
                                 shadow: n.shadow || NO_SHADOW });
      }
    });
    var edgeUpdates = [];
    view.edges.forEach(function (e) {
      var dim = !!active && !(active.has(e.from) && active.has(e.to));
      if (dim !== !!dimmedEdges[e.id]) {
        dimmedEdges[e.id] = dim;
        edgeUpdates.push({ id: e.id, color: dim ? DIM_EDGE : e.color });
      }
    });
    if (nodeUpdates.length) { nodes.update(nodeUpdates); }
    if (edgeUpdates.length) { edges.update(edgeUpdates); }
  }

  /* --- filters --- */
  var filterState = { fields: null, municipality: "", relations: null, dpOnly: false };
  var hiddenNodes = {};
  var hiddenEdges = {};
  function visibleCount(map, list) {
    return list.filter(function (x) { return !map[x.id]; }).length;
  }
  function isInitiative(n) { return n.id.indexOf("i:") === 0; }
  function applyFilters() {
    var fields = filterState.fields, muni = filterState.municipality, rels = filterState.relations;
    var dpOnly = filterState.dpOnly;
    var show = {};
    view.nodes.forEach(function (n) {
      var ok = true;
      if (fields && n.fields.length) { ok = n.fields.some(function (f) { return fields.has(f); }); }
      if (ok && muni && n.municipalities.length) { ok = n.municipalities.indexOf(muni) >= 0; }
      if (ok && dpOnly && isInitiative(n)) {
        ok = !!n.screening && n.screening.mark === "data_protection";
      }
      show[n.id] = ok;
    });
    function edgeOn(e) { return !rels || rels.has(e.relation); }
    /* nodes a filter does not apply to (actors, say) follow the nodes it applies to that
       they are linked to: an actor stays while one of its initiatives is shown */
    function follow(applies) {
      view.nodes.forEach(function (n) {
        if (applies(n) || !show[n.id]) { return; }
        show[n.id] = (adjacent[n.id] || []).some(function (e) {
          var other = e.from === n.id ? e.to : e.from;
          return edgeOn(e) && show[other] && applies(byId[other]);
        });
      });
    }
    if (fields) { follow(function (n) { return n.fields.length > 0; }); }
    if (dpOnly) { follow(isInitiative); }
    if (muni) { follow(function (n) { return n.municipalities.length > 0; }); }
    if (rels) {
      view.nodes.forEach(function (n) {
        if (n.kind === "actor" && show[n.id]) {
          show[n.id] = (adjacent[n.id] || []).some(function (e) { return edgeOn(e); });
        }
      });
    }
    var nodeUpdates = [];
    view.nodes.forEach(function (n) {
      var hide = !show[n.id];
      if (hide !== !!hiddenNodes[n.id]) { hiddenNodes[n.id] = hide; nodeUpdates.push({ id: n.id, hidden: hide }); }
    });
    var edgeUpdates = [];
    view.edges.forEach(function (e) {
      var hide = !(edgeOn(e) && show[e.from] && show[e.to]);
      if (hide !== !!hiddenEdges[e.id]) { hiddenEdges[e.id] = hide; edgeUpdates.push({ id: e.id, hidden: hide }); }
    });
    if (nodeUpdates.length) { nodes.update(nodeUpdates); }
    if (edgeUpdates.length) { edges.update(edgeUpdates); }
    document.getElementById("counts").textContent =
      visibleCount(hiddenNodes, view.nodes) + " " + T.of + " " + view.nodes.length + " " + T.nodes + ", " +
      visibleCount(hiddenEdges, view.edges) + " " + T.of + " " + view.edges.length + " " + T.edges +
      " " + T.shown;
    if (state.search) { runSearch(); }
  }

  function checkboxList(parent, items, onChange) {
    var box = el("div", null, { "class": "filter-list" });
    var checks = [];
    items.forEach(function (item) {
      var label = el("label");
      var cb = el("input", null, { type: "checkbox", value: item[0] });
      cb.checked = true;
      cb.addEventListener("change", onChange);
      checks.push(cb);
      label.appendChild(cb);
      label.appendChild(document.createTextNode(" " + item[1]));
      box.appendChild(label);
    });
    parent.appendChild(box);
    return function () {
      var on = new Set();
      checks.forEach(function (c) { if (c.checked) { on.add(c.value); } });
      return on.size === checks.length ? null : on;
    };
  }

  var filterBox = document.getElementById("filters");
  var readFields = null, readRelations = null, muniSelect = null;
  if (view.filters.fields && view.filters.fields.length > 1) {
    filterBox.appendChild(el("h4", T.fields));
    readFields = checkboxList(filterBox, view.filters.fields, function () {
      filterState.fields = readFields(); applyFilters();
    });
  }
  if (view.filters.municipalities && view.filters.municipalities.length > 1) {
    filterBox.appendChild(el("h4", T.municipality_filter));
    muniSelect = el("select", null, { id: "filter-municipality" });
    muniSelect.appendChild(el("option", T.all, { value: "" }));
    view.filters.municipalities.forEach(function (m) {
      var o = el("option", m); o.value = m; muniSelect.appendChild(o);
    });
    muniSelect.addEventListener("change", function () {
      filterState.municipality = muniSelect.value; applyFilters();
    });
    filterBox.appendChild(muniSelect);
  }
  if (view.filters.screening) {
    filterBox.appendChild(el("h4", T.screening));
    var dpLabel = el("label", null, { "class": "filter-only" });
    var dpBox = el("input", null, { type: "checkbox", id: "filter-dp-only", "class": "only" });
    dpBox.addEventListener("change", function () {
      filterState.dpOnly = dpBox.checked; applyFilters();
    });
    dpLabel.appendChild(dpBox);
    dpLabel.appendChild(document.createTextNode(" " + T.dp_only));
    filterBox.appendChild(dpLabel);
  }
  if (view.filters.relations && view.filters.relations.length > 1) {
    filterBox.appendChild(el("h4", T.relations));
    readRelations = checkboxList(filterBox, view.filters.relations, function () {
      filterState.relations = readRelations(); applyFilters();
    });
  }

  /* --- search by name or id --- */
  var searchInput = document.getElementById("search");
  searchInput.setAttribute("placeholder", T.search);
  searchInput.setAttribute("aria-label", T.search);
  function runSearch() {
    var q = searchInput.value.trim().toLowerCase();
    var count = document.getElementById("search-count");
    if (!q) { state.search = null; count.textContent = ""; paint(); return []; }
    var found = view.nodes.filter(function (n) {
      return !hiddenNodes[n.id] && (String(n.name).toLowerCase().indexOf(q) >= 0 ||
        String(n.ident).toLowerCase().indexOf(q) >= 0);
    }).map(function (n) { return n.id; });
    state.search = new Set(found);
    count.textContent = found.length + " " + (found.length === 1 ? T.match : T.matches);
    paint();
    return found;
  }
  searchInput.addEventListener("input", function () { state.focus = null; runSearch(); });
  searchInput.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter") { return; }
    var found = runSearch();
    if (found.length) {
      network.fit({ nodes: found, animation: false });
      if (found.length === 1) { select(found[0]); }
    }
  });

  /* --- details panel --- */
  var detailsBox = document.getElementById("details");
  function clearDetails() {
    detailsBox.textContent = "";
    detailsBox.appendChild(el("p", T.details_hint, { "class": "legend-note" }));
  }
  function sourceList(sources) {
    var ul = el("ul", null, { "class": "sources" });
    sources.forEach(function (src) {
      var li = el("li");
      if (/^https?:\/\/[^\s]+$/i.test(src)) {
        li.appendChild(el("a", src, { href: src, target: "_blank", rel: "noopener noreferrer" }));
      } else {
        li.appendChild(el("span", src));
      }
      ul.appendChild(li);
    });
    return ul;
  }
  function showScreening(effects) {
    detailsBox.appendChild(el("h4", T.side_effects + " (" + effects.length + ")"));
    var ul = el("ul", null, { "class": "screening" });
    effects.forEach(function (e) {
      var open = e.polarity === "risk" && e.status === "open";
      var cls = open ? (e.data_protection ? "dp-open" : "open") : "settled";
      var li = el("li", null, { "class": cls });
      li.appendChild(el("strong", e.label));
      li.appendChild(el("span", " (" + e.polarity_label + ") — " + e.status_label,
                        { "class": "status" }));
      var dl = el("dl", null, { "class": "details" });
      dl.appendChild(el("dt", T.pattern));
      dl.appendChild(el("dd", e.pattern));
      if (e.mitigation) {
        dl.appendChild(el("dt", T.mitigation));
        dl.appendChild(el("dd", e.mitigation));
      }
      li.appendChild(dl);
      if (e.sources.length) { li.appendChild(sourceList(e.sources)); }
      ul.appendChild(li);
    });
    detailsBox.appendChild(ul);
  }
  function showDetails(id) {
    var n = byId[id];
    detailsBox.textContent = "";
    detailsBox.appendChild(el("h3", n.name));
    var dl = el("dl", null, { "class": "details" });
    (n.details || []).forEach(function (row) {
      dl.appendChild(el("dt", row[0]));
      dl.appendChild(el("dd", row[1]));
    });
    detailsBox.appendChild(dl);
    if (n.sources && n.sources.length) {
      detailsBox.appendChild(el("h4", T.sources));
      detailsBox.appendChild(sourceList(n.sources));
    }
    if (n.screening && n.screening.effects.length) { showScreening(n.screening.effects); }
    var neighbours = network.getConnectedNodes(id);
    if (neighbours.length) {
      detailsBox.appendChild(el("h4", T.neighbours + " (" + neighbours.length + ")"));
      var nl = el("ul", null, { "class": "neighbours" });
      neighbours.forEach(function (other) {
        var li = el("li");
        var b = el("button", byId[other].label, { type: "button" });
        b.addEventListener("click", function () { select(other); });
        li.appendChild(b);
        nl.appendChild(li);
      });
      detailsBox.appendChild(nl);
    }
    /* the panel sits below the filters and the legend: bring its head into sight */
    if (detailsBox.scrollIntoView) { detailsBox.scrollIntoView({ block: "start" }); }
  }
  function select(id) {
    state.focus = new Set([id].concat(network.getConnectedNodes(id)));
    network.selectNodes([id]);
    showDetails(id);
    paint();
  }
  network.on("click", function (params) {
    if (params.nodes.length) { select(params.nodes[0]); }
    else { state.focus = null; clearDetails(); paint(); }
  });

  document.getElementById("reset").addEventListener("click", function () {
    searchInput.value = "";
    filterBox.querySelectorAll("input[type=checkbox]").forEach(function (c) {
      c.checked = !c.classList.contains("only");
    });
    if (muniSelect) { muniSelect.value = ""; }
    filterState = { fields: null, municipality: "", relations: null, dpOnly: false };
    state = { search: null, focus: null };
    document.getElementById("search-count").textContent = "";
    network.unselectAll();
    clearDetails();
    applyFilters();
    paint();
    network.fit({ animation: false });
  });

  /* --- legend --- */
  function nodeSwatch(item) {
    var s = svg("svg", { width: 18, height: 18, viewBox: "0 0 18 18", "aria-hidden": "true" });
    var attrs = { fill: item.colour, stroke: item.border || (item.dashed ? "#000000" : "#444444"),
                  "stroke-width": item.borderWidth || (item.dashed || item.thick ? 2.5 : 1) };
    if (item.dashed) { attrs["stroke-dasharray"] = "3 2"; }
    if (item.faded) { attrs.opacity = 0.5; }
    var shape;
    if (item.shape === "square" || item.shape === "box") { attrs.x = 3; attrs.y = 3; attrs.width = 12; attrs.height = 12; shape = svg("rect", attrs); }
    else if (item.shape === "diamond") { attrs.points = "9,1 17,9 9,17 1,9"; shape = svg("polygon", attrs); }
    else if (item.shape === "triangle") { attrs.points = "9,2 16,16 2,16"; shape = svg("polygon", attrs); }
    else { attrs.cx = 9; attrs.cy = 9; attrs.r = item.glow ? 6 : 7; shape = svg("circle", attrs); }
    if (item.glow) {
      s.appendChild(svg("circle", { cx: 9, cy: 9, r: 8.5, fill: "none", stroke: item.border,
                                    "stroke-width": 1, opacity: 0.5 }));
    }
    s.appendChild(shape);
    return s;
  }
  function edgeSwatch(item) {
    var s = svg("svg", { width: 34, height: 12, viewBox: "0 0 34 12", "aria-hidden": "true" });
    var line = { x1: 1, y1: 6, x2: item.arrow ? 26 : 33, y2: 6, stroke: item.colour, "stroke-width": 2 };
    if (item.dashes && item.dashes.length) { line["stroke-dasharray"] = item.dashes.join(" "); }
    s.appendChild(svg("line", line));
    if (item.arrow) { s.appendChild(svg("polygon", { points: "25,1 33,6 25,11", fill: item.colour })); }
    return s;
  }
  var legendBox = document.getElementById("legend");
  view.legend.forEach(function (section) {
    legendBox.appendChild(el("h4", section.title));
    section.items.forEach(function (item) {
      if (item.type === "note") { legendBox.appendChild(el("p", item.label, { "class": "legend-note" })); return; }
      var row = el("div", null, { "class": "legend-item" });
      row.appendChild(item.type === "edge" ? edgeSwatch(item) : nodeSwatch(item));
      row.appendChild(el("span", item.label));
      legendBox.appendChild(row);
    });
  });

  clearDetails();
  applyFilters();
  window.scgraph = { network: network, nodes: nodes, edges: edges, view: view,
                     select: select, applyFilters: applyFilters };
  document.body.setAttribute("data-ready", "true");
})();
