/* Page script of the Suining network maps (network/render/assets/map.js).
 *
 * Reads the JSON block #sn-data written by network/render/_page.py and
 *  - fits the map to the region and the goals, leaving the panels clear;
 *  - switches the year (line states, stations, goal verdicts, title) and the isochrone
 *    origin (bands) when the viewer picks them (#sn-year, #sn-origin);
 *  - flies to a goal and opens its popup when its row in the goals panel is clicked;
 *  - turns layers on and off from the legend's check boxes;
 *  - shows labels by zoom, hides those that would overlap a more important one,
 *    collapses the panels on small screens, opens them for print.
 * Every text it inserts was escaped in Python (network/render/_html.py): it never builds
 * HTML from data itself.
 */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  function init() {
    var node = byId("sn-data");
    if (!node) { return; }
    var data = JSON.parse(node.textContent);
    var map = window[data.map];
    if (!map) { return; }
    var box = map.getContainer();
    var state = { year: data.year, origin: data.origin };
    var small = window.matchMedia("(max-width: 700px), (max-height: 520px)").matches;

    /* ---------------------------------------------------------------- panels */
    if (small) {
      document.querySelectorAll(".sn-panel details[data-collapse-small]").forEach(
        function (d) { d.open = false; });
    }

    /* ---------------------------------------------------------------- layers */
    function layersOf(key) {
      return (data.layers[key] || []).map(function (name) { return window[name]; })
        .filter(function (l) { return !!l; });
    }
    function eachFeatureLayer(key, fn) {
      layersOf(key).forEach(function (group) {
        group.eachLayer(function (l) { fn(l, l.feature ? l.feature.properties : {}); });
      });
    }
    function setClass(el, cls, on) { if (el) { el.classList.toggle(cls, on); } }

    var bandLayer = L.geoJSON(null, {
      pane: "sn-bands",
      style: function (f) { return f.properties.style; },
      onEachFeature: function (f, l) {
        if (f.properties.popup) { l.bindPopup(f.properties.popup, { maxWidth: 380 }); }
        if (f.properties.tooltip) { l.bindTooltip(f.properties.tooltip, { sticky: true }); }
      }
    });
    var goalLayer = L.layerGroup();
    var goalMarkers = {};
    var jsLayers = { bands: bandLayer, goals: goalLayer };
    if (data.bands) { bandLayer.addTo(map); }
    if (data.goals) { goalLayer.addTo(map); }

    function lineStyle(p, st, serving) {
      var s = data.styles.states[st] || data.styles.states.planned;
      var fade = (serving || st !== "hypothetical") ? 1 : data.styles.fade;
      return {
        color: data.styles.colours[p.network] || "#555",
        weight: Math.round(data.styles.weights[p.network] * s.width * 100) / 100,
        opacity: Math.round(s.opacity * fade * 1000) / 1000,
        dashArray: s.dash, lineCap: s.dash ? "butt" : "round"
      };
    }

    function applyYear(year) {
      var states = data.states[String(year)] || {};
      var serving = data.serving[String(year)] || [];
      var inService = {};
      serving.forEach(function (id) { inService[id] = true; });
      ["rail", "expressway", "trunk"].forEach(function (net) {
        eachFeatureLayer(net, function (l, p) {
          var st = states[p.line_id] || "planned";
          var on = !!inService[p.line_id];
          l.setStyle(lineStyle(p, st, on));
          var el = l.getElement && l.getElement();
          if (el) {
            data.stateNames.forEach(function (s) { setClass(el, "sn-state-" + s, s === st); });
            setClass(el, "sn-notopen", !on);
          }
          var tip = l.getTooltip && l.getTooltip();
          if (tip && tip.getElement()) { setClass(tip.getElement(), "sn-notopen", !on); }
        });
      });
      eachFeatureLayer("labels", function (l, p) {
        var tip = l.getTooltip && l.getTooltip();
        var hidden = p.line_id ? !inService[p.line_id]
          : (p.since === null || p.since === undefined || p.since > year);
        if (tip && tip.getElement()) { setClass(tip.getElement(), "sn-notopen", hidden); }
      });
      ["station", "interchange"].forEach(function (kind) {
        eachFeatureLayer(kind, function (l, p) {
          var hidden = p.since === null || p.since === undefined || p.since > year;
          setClass(l.getElement && l.getElement(), "sn-notopen", hidden);
          var tip = l.getTooltip && l.getTooltip();
          if (tip && tip.getElement()) { setClass(tip.getElement(), "sn-notopen", hidden); }
        });
      });
      var title = byId("sn-title");
      if (title && data.titles[String(year)]) { title.innerHTML = data.titles[String(year)]; }
      document.querySelectorAll(".sn-year-now").forEach(function (el) {
        el.textContent = String(year);
      });
      var g = data.goals && data.goals[String(year)];
      var body = byId("sn-goals-body");
      if (body && data.goals) {
        body.innerHTML = g ? g.panel : data.noGoals;
        var score = byId("sn-score");
        if (score) { score.innerHTML = g ? g.score : ""; }
      }
      goalLayer.clearLayers();
      goalMarkers = {};
      (g ? g.points : []).forEach(function (pt) {
        var m = L.circleMarker([pt.lat, pt.lon], {
          pane: "sn-goals", radius: 8, color: "#ffffff", weight: 2, fill: true,
          fillColor: pt.colour, fillOpacity: 0.95, opacity: 1, className: pt.cls
        });
        m.bindPopup(pt.popup, { maxWidth: 380, autoPanPaddingTopLeft: panelPad()[0] });
        var offsets = { left: [-9, 0], right: [9, 0], bottom: [0, 8], top: [0, -8] };
        if (pt.label) {
          m.bindTooltip(pt.label, { permanent: true, direction: pt.dir || "right",
            offset: offsets[pt.dir || "right"], interactive: false,
            className: "sn-label sn-lab-goal " + (pt.passed ? "sn-pass" : "sn-fail") });
        }
        m.addTo(goalLayer);
        goalMarkers[pt.id] = m;
      });
    }

    function applyView(year, origin) {
      var key = String(year) + "|" + origin;
      bandLayer.clearLayers();
      if (data.bands && data.bands[key]) { bandLayer.addData(data.bands[key]); }
      var legend = byId("sn-legend-bands");
      if (legend && data.bandLegends && data.bandLegends[key]) {
        legend.innerHTML = data.bandLegends[key];
      }
    }

    function setYear(year) {
      state.year = year;
      applyYear(year);
      applyView(year, state.origin);
      declutter();
    }

    var ysel = byId("sn-year");
    if (ysel) { ysel.addEventListener("change", function () { setYear(Number(ysel.value)); }); }
    var osel = byId("sn-origin");
    if (osel) {
      osel.addEventListener("change", function () {
        state.origin = osel.value;
        applyView(state.year, state.origin);
      });
    }

    /* ------------------------------------------------------- popups: the year */
    map.on("popupopen", function (e) {
      var el = e.popup.getElement();
      if (!el) { return; }
      el.querySelectorAll(".sn-popup-state").forEach(function (span) {
        var st = (data.states[String(state.year)] || {})[span.getAttribute("data-line")];
        if (st && data.stateLabels[st]) {
          span.textContent = data.stateLabels[st] + " (" + state.year + ")";
        }
      });
    });

    /* --------------------------------------------------------- goals: fly to */
    function flyToGoal(id) {
      var m = goalMarkers[id];
      if (!m) { return; }
      if (!map.hasLayer(goalLayer)) { goalLayer.addTo(map); syncChecks(); }
      if (small) {
        var d = byId("sn-goals");
        if (d) { d.open = false; }
      }
      var target = m.getLatLng();
      var zoom = Math.max(map.getZoom(), data.flyZoom || 9);
      var pt = map.latLngToContainerPoint(target);
      var size = map.getSize();
      if (map.getZoom() === zoom && pt.x > 0 && pt.y > 0 && pt.x < size.x && pt.y < size.y &&
          map.getCenter().distanceTo(target) < 1) {
        m.openPopup();
        return;
      }
      map.once("moveend", function () { m.openPopup(); });
      map.flyTo(target, zoom, { duration: 0.6 });
    }
    document.addEventListener("click", function (e) {
      var row = e.target.closest && e.target.closest("[data-goal]");
      if (row) { flyToGoal(row.getAttribute("data-goal")); }
      var line = e.target.closest && e.target.closest("[data-fly]");
      if (line) {
        var b = JSON.parse(line.getAttribute("data-fly"));
        map.flyToBounds(b, { duration: 0.6, paddingTopLeft: panelPad()[0],
          paddingBottomRight: panelPad()[1] });
      }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" && e.key !== " ") { return; }
      var row = e.target.closest && e.target.closest("[data-goal]");
      if (row) { e.preventDefault(); flyToGoal(row.getAttribute("data-goal")); }
    });

    /* ------------------------------------------------------- legend toggles */
    function groupsOf(key) {
      if (jsLayers[key]) { return [jsLayers[key]]; }
      return layersOf(key);
    }
    function syncChecks() {
      document.querySelectorAll("input[data-layer]").forEach(function (cb) {
        var key = cb.getAttribute("data-layer");
        if (key === "notopen") {
          cb.checked = !box.classList.contains("sn-hide-notopen");
          return;
        }
        var groups = groupsOf(key);
        if (groups.length) { cb.checked = map.hasLayer(groups[0]); }
      });
    }
    document.querySelectorAll("input[data-layer]").forEach(function (cb) {
      cb.addEventListener("change", function () {
        var key = cb.getAttribute("data-layer");
        if (key === "notopen") {
          box.classList.toggle("sn-hide-notopen", !cb.checked);
          return;
        }
        groupsOf(key).forEach(function (g) {
          if (cb.checked) { g.addTo(map); } else { map.removeLayer(g); }
        });
        if (cb.checked && key !== "bands") { applyYear(state.year); }
        declutter();
      });
    });

    /* ------------------------------------------------------------ zoom labels */
    function zoomClasses() {
      var z = map.getZoom();
      [9, 10, 11, 12].forEach(function (k) { box.classList.toggle("sn-zoom-" + k, z >= k); });
    }
    map.on("zoomend", zoomClasses);
    map.on("moveend", function () { declutter(); });  /* after zoomend; a pan moves the edge */

    /* -------------------------------------------------------------- declutter */
    /* Labels shown at this zoom that would overlap a more important one are hidden
     * (class sn-clutter) until the viewer zooms in. The message goes first: goal labels,
     * then a comparison's changed lines and minutes saved (the first PINNED ranks) always
     * show on a large screen; places, stations, interchanges and lines give way to
     * anything shown before them, in that order. On a small screen every label gives way
     * to an earlier one, and a label cut by the screen's side is hidden (a phone's first
     * view crowds the goals round 遂宁 and puts 成都 at the edge; the panels list them
     * all). */
    var RANK = ["sn-lab-goal", "sn-lab-change", "sn-lab-saved", "sn-lab-place",
                "sn-lab-station", "sn-lab-interchange", "sn-lab-line"];
    var PINNED = 3;
    function rankOf(el) {
      for (var i = 0; i < RANK.length; i++) {
        if (el.classList.contains(RANK[i])) { return i; }
      }
      return RANK.length;
    }
    function declutter() {
      var els = Array.prototype.slice.call(box.querySelectorAll(".leaflet-tooltip.sn-label"));
      els.forEach(function (el) { el.classList.remove("sn-clutter"); });
      var shown = els.map(function (el, i) {
        return { el: el, rank: rankOf(el), i: i, r: el.getBoundingClientRect() };
      }).filter(function (o) { return o.r.width > 0 && o.r.height > 0; });
      shown.sort(function (a, b) { return a.rank - b.rank || a.i - b.i; });
      var kept = [], frame = box.getBoundingClientRect();
      shown.forEach(function (o) {
        if (small && (o.r.left < frame.left || o.r.right > frame.right)) {
          o.el.classList.add("sn-clutter");  /* no half labels at a phone's edge */
          return;
        }
        var hit = kept.some(function (k) {
          return (o.rank >= PINNED || small) &&
            o.r.left < k.r.right - 1 && o.r.right > k.r.left + 1 &&
            o.r.top < k.r.bottom - 1 && o.r.bottom > k.r.top + 1;
        });
        if (hit) { o.el.classList.add("sn-clutter"); } else { kept.push(o); }
      });
    }

    /* --------------------------------------------------------------- fitting */
    function panelPad() {
      var room = small ? 24 : 80;  /* room for the goal markers' labels */
      var tl = [room, 24], br = [room, 34];
      var w = box.clientWidth, h = box.clientHeight;
      var frame = box.getBoundingClientRect();
      function over(el) {  /* a panel over the map (not beside it, as in print) */
        if (!el) { return null; }
        var q = el.getBoundingClientRect();
        var inside = q.left < frame.right && q.right > frame.left && q.top < frame.bottom &&
          q.bottom > frame.top;
        return inside ? el : null;
      }
      var side = over(byId("sn-side")), legend = over(byId("sn-legend"));
      if (side) {
        var r = side.getBoundingClientRect();
        if (r.width < 0.45 * w) { tl[0] = r.right + room; } else { tl[1] = r.bottom + 24; }
      }
      if (legend) {
        var q = legend.getBoundingClientRect();
        if (q.height > 0.5 * h || q.width < 0.3 * w) { br[0] = w - q.left + room; }
        else { br[1] = h - q.top + 24; }
      }
      return [tl, br];
    }
    function fit() {
      if (!data.fit) { return; }
      var pad = panelPad();
      map.fitBounds(data.fit, { paddingTopLeft: pad[0], paddingBottomRight: pad[1],
        animate: false });
    }

    /* ----------------------------------------------------------------- print */
    var opened = [];
    function beforePrint() {
      opened = [];
      document.querySelectorAll(".sn-panel details:not(.sn-timeline)").forEach(function (d) {
        if (!d.open) { opened.push(d); d.open = true; }
      });
      map.invalidateSize({ animate: false });
      fit();
      declutter();
    }
    function afterPrint() {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
      map.invalidateSize({ animate: false });
    }
    window.addEventListener("beforeprint", beforePrint);
    window.addEventListener("afterprint", afterPrint);
    var printQuery = window.matchMedia("print");
    if (printQuery.addEventListener) {
      printQuery.addEventListener("change", function (e) {
        if (e.matches) { beforePrint(); } else { afterPrint(); }
      });
    }

    map.attributionControl.setPrefix("Leaflet");
    setYear(state.year);
    fit();
    zoomClasses();
    declutter();
    syncChecks();
    box.setAttribute("data-sn-ready", "1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
