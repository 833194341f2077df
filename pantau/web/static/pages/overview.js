/* Overview: escalation index of selected dyads, nuclear channel, alerts; click a point for its events. */
"use strict";
(async () => {
  await P.init("overview");
  const PALETTE = ["#1f5fbf", "#c8332b", "#2e9e5b", "#e08a1e", "#7b2cbf", "#00838f", "#6d4c41", "#d81b60"];
  const qs = P.qs();
  const form = document.getElementById("filters");
  if (qs.from) form.from.value = qs.from;
  if (qs.to) form.to.value = qs.to;
  const dyadBox = document.getElementById("dyads");
  let dyads = [];
  try { dyads = (await P.api("/api/index/dyads", { limit: 12 })).items; } catch (err) { P.showError(dyadBox, err); return; }
  if (!dyads.length) {
    dyadBox.innerHTML = `<p class="muted">${P.esc(P.t("overview.no_index"))}</p>`;
    window.__pantauFirstChart = performance.now();
    document.body.dataset.chart = "empty";
    return;
  }
  const wanted = qs.dyad ? qs.dyad.split(",") : dyads.slice(0, 3).map((d) => d.dyad);
  const color = {};
  dyads.forEach((d, i) => { color[d.dyad] = PALETTE[i % PALETTE.length]; });
  dyadBox.innerHTML = `<b>${P.esc(P.t("overview.dyads"))}:</b> ` + dyads.map((d) =>
    `<label><input type="checkbox" name="dyad" value="${P.esc(d.dyad)}" ${wanted.includes(d.dyad) ? "checked" : ""}>
      <span class="swatch" style="background:${color[d.dyad]}"></span>${P.esc(d.dyad)} <span class="muted">(${d.n_events})</span></label>`).join("");

  const showDay = async (dyad, day) => {
    document.getElementById("day-label").textContent = `${day} · ${dyad}`;
    const box = document.getElementById("day-events");
    box.innerHTML = P.esc(P.t("common.loading"));
    try {
      const page = await P.api("/api/events", { dyad, from: day, to: day, limit: 100 });
      P.eventTable(box, page.items);
    } catch (err) { P.showError(box, err); }
  };

  const draw = async () => {
    const sel = [...dyadBox.querySelectorAll("input:checked")].map((i) => i.value);
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
        label: `${a.dyad} ${a.day}: ${a.kind || ""} ${a.channel || ""} z=${a.z ?? ""}`, point: p, series: { name: a.dyad } };
    });
    const x0 = Math.min(...main.flatMap((s) => s.points.map((p) => p.t)));
    const x1 = Math.max(...main.flatMap((s) => s.points.map((p) => p.t)));
    const range = Number.isFinite(x0) ? { x0, x1 } : {};
    PantauCharts.lineChart(document.getElementById("chart-score"), main, alerts,
      { height: 300, yLabel: P.t("overview.score"), onClick, empty: P.t("common.none"), ...range });
    const nuclear = mk("cbrn", "4 3");
    const nuclearAlerts = alerts.filter((a) => a.color === "#7b2cbf").map((a) => {
      const p = (nuclear.find((s) => s.name === a.series.name) || { points: [] }).points.find((q) => q.t === a.t);
      return { ...a, y: p ? p.y : 0, point: p || a.point };
    });
    PantauCharts.lineChart(document.getElementById("chart-cbrn"), nuclear, nuclearAlerts,
      { height: 140, onClick, empty: P.t("common.none"), ...range });
    document.getElementById("alerts").innerHTML = data.alerts.slice().reverse().slice(0, 40).map((a) =>
      `<li><a href="#" data-dyad="${P.esc(a.dyad)}" data-day="${P.esc(String(a.day).slice(0, 10))}">${P.esc(String(a.day).slice(0, 10))}</a>
        <span class="code">${P.esc(a.dyad)}</span> ${P.esc(a.channel || "")} ${P.esc(a.kind || "")}
        <span class="muted">z=${a.z != null ? Number(a.z).toFixed(1) : "—"}</span></li>`).join("") ||
      `<li class="muted">${P.esc(P.t("common.none"))}</li>`;
    document.querySelectorAll("#alerts a").forEach((a) => a.addEventListener("click", (e) => {
      e.preventDefault(); showDay(a.dataset.dyad, a.dataset.day);
    }));
    if (!window.__pantauFirstChart) window.__pantauFirstChart = performance.now();
    document.body.dataset.chart = "ready";
  };
  form.addEventListener("submit", (e) => { e.preventDefault(); draw(); });
  dyadBox.addEventListener("change", draw);
  await draw();
})();
