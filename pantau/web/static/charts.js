/* Small SVG charts for the dashboard (time series, force-directed network, equirectangular map). No deps. */
"use strict";
const C = (window.PantauCharts = {});
const NS = "http://www.w3.org/2000/svg";

C.el = (name, attrs, parent) => {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
};

C.day = (s) => Date.parse(String(s).slice(0, 10) + "T00:00:00Z");
const DAY = 86400000;
const fmtDay = (t) => new Date(t).toISOString().slice(0, 10);

/* Dates in the page's locale (id-ID or en-GB): "3 Mei 2024", "Mei 2024", "2024"; never mm/dd/yyyy. */
C.locale = "en-GB";
const fmt = (opts) => { const f = new Intl.DateTimeFormat(C.locale, { timeZone: "UTC", ...opts }); return (t) => f.format(new Date(t)); };
C.fmtDay = (t) => fmt({ day: "numeric", month: "short", year: "numeric" })(t);
const fmtMonth = (t) => fmt({ month: "short", year: "numeric" })(t);
const fmtYear = (t) => fmt({ year: "numeric" })(t);

/* Time ticks: the smallest step from the list that gives at most `max` ticks. Daily data never gets
   ticks finer than a day. */
C.timeTicks = (t0, t1, max = 8) => {
  const steps = [[1, "d"], [2, "d"], [7, "d"], [14, "d"], [1, "m"], [3, "m"], [6, "m"], [1, "y"], [2, "y"], [5, "y"], [10, "y"]];
  for (const [n, unit] of steps) {
    const approx = unit === "d" ? n * DAY : unit === "m" ? n * 30.4 * DAY : n * 365.25 * DAY;
    if ((t1 - t0) / approx > max) continue;
    const d = new Date(t0);
    let cur = unit === "d" ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
      : unit === "m" ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (d.getUTCMonth() % n), 1)
        : Date.UTC(d.getUTCFullYear() - (d.getUTCFullYear() % n), 0, 1);
    const out = [];
    while (cur <= t1 && out.length < 50) {
      if (cur >= t0) out.push(cur);
      const c = new Date(cur);
      cur = unit === "d" ? cur + n * DAY : unit === "m" ? Date.UTC(c.getUTCFullYear(), c.getUTCMonth() + n, 1)
        : Date.UTC(c.getUTCFullYear() + n, 0, 1);
    }
    const label = unit === "d" ? C.fmtDay : unit === "m" ? fmtMonth : fmtYear;
    return out.map((t) => [t, label(t)]);
  }
  return [[t0, C.fmtDay(t0)], [t1, C.fmtDay(t1)]];
};

/* Split time-sorted points into runs with no gap wider than `gap` ms: a line is drawn inside a run
   only, so no line crosses a stretch without data. */
C.runs = (pts, gap) => {
  const out = [];
  pts.forEach((p, i) => {
    if (i && p.t - pts[i - 1].t <= gap) out[out.length - 1].push(p); else out.push([p]);
  });
  return out;
};

C.niceTicks = (lo, hi, n = 5) => {
  if (hi === lo) { hi = lo + 1; }
  const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
};

/* series: [{name, color, dash, points: [{t, y, data}]}]; markers: [{t, y, label, color}].
   opts: {height, yLabel, xLabel, yTicks: [[value, label]], gap (ms; default 1 day: daily data),
   lines (false: points only), onClick(point, series), x0, x1}. */
C.lineChart = (svg, series, markers, opts = {}) => {
  svg.innerHTML = "";
  const W = svg.clientWidth || 900, H = opts.height || 300;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("height", H);
  const m = { l: opts.yTicks ? 150 : 62, r: 14, t: 14, b: opts.xLabel ? 42 : 28 };
  const all = series.flatMap((s) => s.points);
  if (!all.length) {
    C.el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "muted" }, svg).textContent = opts.empty || "—";
    return;
  }
  let t0 = opts.x0 ?? Math.min(...all.map((p) => p.t)), t1 = opts.x1 ?? Math.max(...all.map((p) => p.t));
  if (t1 === t0) { t0 -= 3 * DAY; t1 += 3 * DAY; }
  const pad = (t1 - t0) * 0.02; t0 -= pad; t1 += pad;
  let y0 = Math.min(0, ...all.map((p) => p.y)), y1 = Math.max(...all.map((p) => p.y), ...markers.map((k) => k.y || 0));
  if (y1 === y0) y1 = y0 + 1;
  const yt = opts.yTicks ? opts.yTicks.map((v) => v[0]) : C.niceTicks(y0, y1, 5);
  y0 = Math.min(y0, yt[0]); y1 = Math.max(y1, yt[yt.length - 1]);
  const yLabelOf = new Map((opts.yTicks || []).map(([v, label]) => [v, label]));
  const X = (t) => m.l + ((t - t0) / (t1 - t0)) * (W - m.l - m.r);
  const Y = (v) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const grid = C.el("g", { class: "grid" }, svg), axis = C.el("g", { class: "axis" }, svg);
  yt.forEach((v) => {
    C.el("line", { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v) }, grid);
    C.el("text", { x: m.l - 6, y: Y(v) + 4, "text-anchor": "end" }, axis).textContent = yLabelOf.get(v) ?? v;
  });
  C.timeTicks(t0, t1, Math.max(3, Math.floor(W / 110))).forEach(([t, label]) => {
    C.el("line", { x1: X(t), x2: X(t), y1: H - m.b, y2: H - m.b + 4 }, axis);
    C.el("text", { x: X(t), y: H - m.b + 16, "text-anchor": "middle" }, axis).textContent = label;
  });
  C.el("line", { x1: m.l, x2: W - m.r, y1: Y(0), y2: Y(0) }, axis);
  if (opts.yLabel) {
    const yc = (m.t + H - m.b) / 2;
    C.el("text", { x: 12, y: yc, transform: `rotate(-90 12 ${yc})`, "text-anchor": "middle", class: "ylabel" }, axis).textContent = opts.yLabel;
  }
  if (opts.xLabel) {
    C.el("text", { x: (m.l + W - m.r) / 2, y: H - 4, "text-anchor": "middle", class: "xlabel" }, axis).textContent = opts.xLabel;
  }
  // Dense series get no per-point circles (thousands of nodes slow the first paint); a transparent
  // overlay finds the nearest point on click instead.
  const dense = all.length > 1500;
  const gap = opts.gap ?? DAY * 1.5;
  series.forEach((s) => {
    const pts = [...s.points].sort((a, b) => a.t - b.t);
    const runs = opts.lines === false ? pts.map((p) => [p]) : C.runs(pts, gap);
    runs.filter((run) => run.length > 1).forEach((run) => {
      C.el("polyline", {
        points: run.map((p) => `${X(p.t).toFixed(1)},${Y(p.y).toFixed(1)}`).join(" "),
        fill: "none", stroke: s.color, "stroke-width": 1.6, "stroke-dasharray": s.dash || "", class: "line",
        "data-series": s.name,
      }, svg);
    });
    // Dense series draw only the points that no line shows (a lone day would vanish otherwise).
    const shown = dense ? runs.filter((run) => run.length === 1).flat() : pts;
    const g = C.el("g", { class: "points" }, svg);
    shown.forEach((p) => {
      const c = C.el("circle", { cx: X(p.t), cy: Y(p.y), r: pts.length > 400 ? 2 : 3.5, fill: s.color, class: "pt",
        "data-day": fmtDay(p.t), "data-series": s.name }, g);
      C.el("title", {}, c).textContent = `${s.name} ${C.fmtDay(p.t)}: ${p.label ?? p.y}`;
      if (opts.onClick) c.addEventListener("click", () => opts.onClick(p, s));
    });
  });
  if (dense && opts.onClick) {
    const hit = C.el("rect", { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b, fill: "transparent",
      class: "hit", style: "cursor:crosshair" }, svg);
    hit.addEventListener("click", (ev) => {
      const box = svg.getBoundingClientRect(), sx = W / box.width;
      const x = (ev.clientX - box.left) * sx, y = (ev.clientY - box.top) * sx;
      let best = null, bestD = Infinity;
      series.forEach((s) => s.points.forEach((p) => {
        const d = Math.hypot(X(p.t) - x, Y(p.y) - y);
        if (d < bestD) { bestD = d; best = [p, s]; }
      }));
      if (best) opts.onClick(best[0], best[1]);
    });
  }
  const mg = C.el("g", { class: "markers" }, svg);
  markers.forEach((k) => {
    const x = X(k.t), y = Math.max(m.t + 6, Y(k.y ?? y1) - 9);
    const tri = C.el("path", { d: `M${x - 5},${y - 6} L${x + 5},${y - 6} L${x},${y + 2} Z`, class: "alert",
      fill: k.color || "#c8332b", "data-day": fmtDay(k.t) }, mg);
    C.el("title", {}, tri).textContent = k.label || "alert";
    if (opts.onClick && k.point) tri.addEventListener("click", () => opts.onClick(k.point, k.series));
  });
};

/* A force-directed network. nodes: [{id, n}], edges: [{source, target, weight, color, quad}]. */
C.network = (svg, nodes, edges, opts = {}) => {
  svg.innerHTML = "";
  const W = svg.clientWidth || 900, H = opts.height || 560;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("height", H);
  if (!nodes.length) {
    C.el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, svg).textContent = opts.empty || "—";
    return;
  }
  const idx = new Map(nodes.map((n, i) => [n.id, i]));
  const N = nodes.map((n, i) => ({ ...n, x: W / 2 + Math.cos((2 * Math.PI * i) / nodes.length) * W * 0.3,
    y: H / 2 + Math.sin((2 * Math.PI * i) / nodes.length) * H * 0.3, vx: 0, vy: 0 }));
  const E = edges.filter((e) => idx.has(e.source) && idx.has(e.target))
    .map((e) => ({ ...e, s: N[idx.get(e.source)], t: N[idx.get(e.target)] }));
  const maxN = Math.max(1, ...N.map((n) => n.n || 1)), maxW = Math.max(1, ...E.map((e) => e.weight));
  N.forEach((n) => { n.r = 6 + 18 * Math.sqrt((n.n || 1) / maxN); });
  const k = Math.sqrt((W * H) / N.length) * 0.55;
  for (let it = 0; it < 320; it++) {
    const temp = 1 - it / 320;
    for (let i = 0; i < N.length; i++) {
      for (let j = i + 1; j < N.length; j++) {
        const a = N[i], b = N[j];
        let dx = a.x - b.x, dy = a.y - b.y, d2 = dx * dx + dy * dy || 0.01;
        const f = (k * k) / d2;
        a.vx += dx * f * 0.02; a.vy += dy * f * 0.02; b.vx -= dx * f * 0.02; b.vy -= dy * f * 0.02;
      }
    }
    E.forEach((e) => {
      const dx = e.t.x - e.s.x, dy = e.t.y - e.s.y, d = Math.sqrt(dx * dx + dy * dy) || 0.1;
      const f = ((d - k) / d) * 0.04 * (0.5 + e.weight / maxW);
      e.s.vx += dx * f; e.s.vy += dy * f; e.t.vx -= dx * f; e.t.vy -= dy * f;
    });
    N.forEach((n) => {
      n.vx += (W / 2 - n.x) * 0.01; n.vy += (H / 2 - n.y) * 0.01;
      const sp = Math.sqrt(n.vx * n.vx + n.vy * n.vy), lim = 30 * temp + 1;
      if (sp > lim) { n.vx *= lim / sp; n.vy *= lim / sp; }
      n.x = Math.min(W - n.r - 20, Math.max(n.r + 20, n.x + n.vx));
      n.y = Math.min(H - n.r - 14, Math.max(n.r + 14, n.y + n.vy));
      n.vx *= 0.5; n.vy *= 0.5;
    });
  }
  const defs = C.el("defs", {}, svg);
  const colors = [...new Set(E.map((e) => e.color))];
  colors.forEach((c, i) => {
    const mk = C.el("marker", { id: "arr" + i, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto" }, defs);
    C.el("path", { d: "M0,0 L10,5 L0,10 Z", fill: c }, mk);
  });
  const eg = C.el("g", { class: "edges" }, svg);
  E.forEach((e) => {
    const dx = e.t.x - e.s.x, dy = e.t.y - e.s.y, d = Math.sqrt(dx * dx + dy * dy) || 1;
    const bend = 12 + 10 * ((e.quad || 0) - 2.5);
    const mx = (e.s.x + e.t.x) / 2 - (dy / d) * bend, my = (e.s.y + e.t.y) / 2 + (dx / d) * bend;
    const ex = e.t.x - ((e.t.x - mx) / Math.hypot(e.t.x - mx, e.t.y - my)) * (e.t.r + 2);
    const ey = e.t.y - ((e.t.y - my) / Math.hypot(e.t.x - mx, e.t.y - my)) * (e.t.r + 2);
    const p = C.el("path", { d: `M${e.s.x.toFixed(1)},${e.s.y.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}`,
      fill: "none", stroke: e.color, "stroke-opacity": 0.7, "stroke-width": (1 + 5 * Math.sqrt(e.weight / maxW)).toFixed(2),
      "marker-end": `url(#arr${colors.indexOf(e.color)})`, class: "edge", "data-quad": e.quad }, eg);
    C.el("title", {}, p).textContent = `${e.source} → ${e.target}: ${e.weight} (${e.label || "quad " + e.quad})`;
  });
  const ng = C.el("g", { class: "nodes" }, svg);
  N.forEach((n) => {
    const g = C.el("g", { class: "node", "data-id": n.id, transform: `translate(${n.x.toFixed(1)},${n.y.toFixed(1)})` }, ng);
    const c = C.el("circle", { r: n.r.toFixed(1), fill: "#34466e" }, g);
    C.el("title", {}, c).textContent = `${n.id}: ${n.n || 0}`;
    C.el("text", { y: -n.r - 3, "text-anchor": "middle" }, g).textContent = n.id;
    if (opts.onClick) g.addEventListener("click", () => opts.onClick(n));
  });
};

/* An equirectangular world map (lat 85..-60) from GeoJSON, with circles for points [{lon, lat, n, label}]. */
C.worldMap = (svg, world, points, opts = {}) => {
  svg.innerHTML = "";
  const W = svg.clientWidth || 1000, LAT0 = 85, LAT1 = -60, H = Math.round((W * (LAT0 - LAT1)) / 360);
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("height", H);
  const X = (lon) => ((lon + 180) / 360) * W, Y = (lat) => ((LAT0 - lat) / (LAT0 - LAT1)) * H;
  // A ring that crosses the antimeridian is made continuous (east of 180°); the SVG clips what falls off.
  const ring = (r) => {
    const jumps = r.some((c, i) => i && Math.abs(c[0] - r[i - 1][0]) > 180);
    const pts = jumps ? r.map(([lon, lat]) => [lon < 0 ? lon + 360 : lon, lat]) : r;
    return "M" + pts.map(([lon, lat]) => `${X(lon).toFixed(1)},${Y(lat).toFixed(1)}`).join("L") + "Z";
  };
  const g = C.el("g", { class: "countries" }, svg);
  (world.features || []).forEach((f) => {
    const geom = f.geometry;
    if (!geom || (f.properties && f.properties.name === "Antarctica")) return;
    const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.type === "MultiPolygon" ? geom.coordinates : [];
    const p = C.el("path", { d: polys.map((poly) => poly.map(ring).join("")).join(""), class: "country" }, g);
    C.el("title", {}, p).textContent = (f.properties && f.properties.name) || "";
  });
  const pg = C.el("g", { class: "places" }, svg);
  const maxN = Math.max(1, ...points.map((p) => p.n));
  points.forEach((p) => {
    const c = C.el("circle", { cx: X(p.lon).toFixed(1), cy: Y(p.lat).toFixed(1), r: (3 + 14 * Math.sqrt(p.n / maxN)).toFixed(1),
      class: "place", "data-name": p.label || "" }, pg);
    C.el("title", {}, c).textContent = `${p.label}: ${p.n}`;
    if (opts.onClick) c.addEventListener("click", () => opts.onClick(p));
  });
};
