/* Overview: escalation index of selected dyads, nuclear channel, alerts; click a point for its events. */
"use strict";
/* What changed: the newest alerts, and the dyads whose conflict magnitude in the last 30 days of
   data exceeds that of the 30 days before (the store's newest day, not today: a corpus may be old). */
const whatChanged = async (dyads) => {
  const DAY = 86400000;
  const out = { alerts: [], rising: [] };
  try { out.alerts = (await P.api("/api/alerts", { limit: 5 })).items; } catch (err) { /* no alerts table */ }
  if (!dyads.length) return out;
  const last = Math.max(...dyads.map((d) => PantauCharts.day(d.last_day)));
  const iso = (t) => new Date(t).toISOString().slice(0, 10);
  const from = iso(last - 59 * DAY), mid = last - 29 * DAY;
  try {
    const data = await P.api("/api/index", { dyad: dyads.slice(0, 10).map((d) => d.dyad), from, alerts: false });
    out.rising = data.dyads.map((d) => {
      let recent = 0, prev = 0;
      d.day.forEach((day, i) => {
        const v = Math.abs((d.conflict || [])[i] || 0);
        if (PantauCharts.day(day) >= mid) recent += v; else prev += v;
      });
      return { dyad: d.dyad, last: recent, prev, from: iso(mid), to: iso(last) };
    }).filter((r) => r.last > r.prev).sort((a, b) => (b.last - b.prev) - (a.last - a.prev)).slice(0, 5);
  } catch (err) { /* leave empty */ }
  return out;
};

(async () => {
  await P.init("overview");
  const MAX_DYADS = P.PALETTE.length;
  const qs = P.qs();
  const form = document.getElementById("filters");
  if (qs.from) form.from.value = qs.from;
  if (qs.to) form.to.value = qs.to;
  const dyadBox = document.getElementById("dyads");
  let dyads = [];
  try { dyads = (await P.api("/api/index/dyads", { limit: 12 })).items; } catch (err) { P.showError(dyadBox, err); return; }
  const changed = whatChanged(dyads);
  if (!dyads.length) {
    dyadBox.innerHTML = `<p class="muted">${P.esc(P.t("overview.no_index"))}</p>`;
    ["new-alerts", "rising"].forEach((id) => { document.getElementById(id).innerHTML = `<li class="muted">${P.esc(P.t("overview.no_change"))}</li>`; });
    window.__pantauFirstChart = performance.now();
    document.body.dataset.chart = "empty";
    return;
  }
  const wanted = (qs.dyad ? qs.dyad.split(",") : dyads.slice(0, 3).map((d) => d.dyad)).slice(0, MAX_DYADS);
  // One palette colour per checked dyad, kept while it stays checked and freed when unchecked, so
  // no two visible dyads ever share a colour.
  const color = {};
  const assign = () => {
    const sel = [...dyadBox.querySelectorAll("input:checked")].map((i) => i.value);
    Object.keys(color).forEach((d) => { if (!sel.includes(d)) delete color[d]; });
    sel.forEach((d) => { if (!color[d]) color[d] = P.PALETTE.find((c) => !Object.values(color).includes(c)); });
    dyadBox.querySelectorAll("label").forEach((lab) => {
      const input = lab.querySelector("input");
      const sw = lab.querySelector(".swatch");
      sw.style.background = color[input.value] || "transparent";
      sw.classList.toggle("off", !color[input.value]);
      input.disabled = !input.checked && sel.length >= MAX_DYADS;
    });
    return sel;
  };
  dyadBox.innerHTML = `<b>${P.esc(P.t("overview.dyads"))}:</b> ` + dyads.map((d) =>
    `<label><input type="checkbox" name="dyad" value="${P.esc(d.dyad)}" ${wanted.includes(d.dyad) ? "checked" : ""}>
      <span class="swatch"></span>${P.esc(d.dyad)} <span class="muted">(${d.n_events})</span></label>`).join("");

  const showDay = async (dyad, day) => {
    document.getElementById("day-label").textContent = `${P.date(day)} · ${dyad}`;
    const box = document.getElementById("day-events");
    box.innerHTML = P.esc(P.t("common.loading"));
    try {
      const page = await P.api("/api/events", { dyad, from: day, to: day, limit: 100 });
      P.eventTable(box, page.items);
    } catch (err) { P.showError(box, err); }
  };

  const draw = async () => {
    const sel = assign();
    const params = { dyad: sel, from: form.from.value, to: form.to.value };
    let data = { dyads: [], alerts: [] };
    if (sel.length) {
      try { data = await P.api("/api/index", params); } catch (err) { P.showError(document.getElementById("alerts"), err); return; }
    }
    const mk = (field, dash) => data.dyads.map((d) => ({ name: d.dyad, color: color[d.dyad], dash,
      points: d.day.map((day, i) => ({ t: PantauCharts.day(day), y: (d[field] || [])[i], data: { day } }))
        .filter((p) => p.y != null) }));
    const main = mk("score");
    const pointAt = (dyad, day) => (main.find((s) => s.name === dyad) || { points: [] }).points.find((p) => p.data.day === day);
    const onClick = (p, s) => showDay(s.name, p.data.day);
    const alerts = data.alerts.map((a) => {
      const p = pointAt(a.dyad, String(a.day).slice(0, 10));
      return { t: PantauCharts.day(a.day), y: p ? p.y : a.value, color: a.channel === "cbrn" ? "#7b2cbf" : "#c8332b",
        label: `${a.dyad} ${P.date(a.day)}: ${P.v("alert", a.kind)} · ${P.v("channel", a.channel)} z=${a.z != null ? Number(a.z).toFixed(1) : ""}`,
        point: p, series: { name: a.dyad } };
    });
    const x0 = Math.min(...main.flatMap((s) => s.points.map((p) => p.t)));
    const x1 = Math.max(...main.flatMap((s) => s.points.map((p) => p.t)));
    const range = Number.isFinite(x0) ? { x0, x1 } : {};
    PantauCharts.lineChart(document.getElementById("chart-score"), main, alerts,
      { height: 320, yLabel: P.t("overview.score_axis"), xLabel: P.t("overview.x_axis"), onClick, empty: P.t("common.none"), ...range });
    const nuclear = mk("cbrn", "4 3");
    const nuclearAlerts = alerts.filter((a) => a.color === "#7b2cbf").map((a) => {
      const p = (nuclear.find((s) => s.name === a.series.name) || { points: [] }).points.find((q) => q.t === a.t);
      return { ...a, y: p ? p.y : 0, point: p || a.point };
    });
    PantauCharts.lineChart(document.getElementById("chart-cbrn"), nuclear, nuclearAlerts,
      { height: 170, yLabel: P.t("overview.cbrn_axis"), xLabel: P.t("overview.x_axis"), onClick, empty: P.t("common.none"), ...range });
    document.getElementById("alerts").innerHTML = data.alerts.slice().reverse().slice(0, 40).map(alertItem).join("") ||
      `<li class="muted">${P.esc(P.t("common.none"))}</li>`;
    bindAlerts(document.getElementById("alerts"));
    if (!window.__pantauFirstChart) window.__pantauFirstChart = performance.now();
    document.body.dataset.chart = "ready";
  };
  const alertItem = (a) => `<li><a href="#" data-dyad="${P.esc(a.dyad)}" data-day="${P.esc(String(a.day).slice(0, 10))}">${P.esc(P.date(a.day))}</a>
        <span class="code">${P.esc(a.dyad)}</span> <span class="kind">${P.esc(P.v("alert", a.kind))}</span>
        <span class="muted">(${P.esc(P.v("channel", a.channel))}; z=${a.z != null ? Number(a.z).toFixed(1) : "—"})</span></li>`;
  const bindAlerts = (box) => box.querySelectorAll("a[data-day]").forEach((a) => a.addEventListener("click", (e) => {
    e.preventDefault(); showDay(a.dataset.dyad, a.dataset.day);
  }));
  changed.then(({ alerts, rising }) => {
    const none = `<li class="muted">${P.esc(P.t("overview.no_change"))}</li>`;
    const na = document.getElementById("new-alerts");
    na.innerHTML = alerts.map(alertItem).join("") || none;
    bindAlerts(na);
    document.getElementById("rising").innerHTML = rising.map((r) =>
      `<li data-dyad="${P.esc(r.dyad)}"><span class="code">${P.esc(r.dyad)}</span> ↑ ${r.last.toFixed(1)}
        <span class="muted">${P.esc(P.t("overview.vs"))} ${r.prev.toFixed(1)} (${P.esc(P.date(r.from))} – ${P.esc(P.date(r.to))})</span></li>`).join("") || none;
    document.getElementById("changed").dataset.ready = "1";
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); draw(); });
  dyadBox.addEventListener("change", draw);
  await draw();
})();
