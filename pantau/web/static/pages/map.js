/* Map: event places on the bundled Natural Earth 1:110m countries (no tiles, no network). */
"use strict";
(async () => {
  await P.init("map");
  const form = document.getElementById("filters");
  form.quad.innerHTML = `<option value="">${P.esc(P.t("filter.any"))}</option>` +
    [1, 2, 3, 4].map((q) => `<option value="${q}">${q} · ${P.esc(P.t("quad." + q))}</option>`).join("");
  const world = await (await fetch("/static/world-110m.geojson")).json();
  const showPlace = async (p) => {
    document.getElementById("place-label").textContent = `${p.label} (${p.n})`;
    const box = document.getElementById("place-events");
    try {
      const items = await Promise.all(p.ids.slice(0, 20).map((id) => P.api("/api/events/" + encodeURIComponent(id))));
      P.eventTable(box, items);
    } catch (err) { P.showError(box, err); }
  };
  const draw = async () => {
    const params = Object.fromEntries(new FormData(form).entries());
    try {
      const fc = await P.api("/api/map", { ...params, limit: 500 });
      const pts = fc.features.map((f) => ({ lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1], n: f.properties.n,
        label: f.properties.name || "?", ids: f.properties.event_ids }));
      PantauCharts.worldMap(document.getElementById("map"), world, pts, { onClick: showPlace });
      // The detail panel starts with the busiest place instead of staying empty until a click.
      if (pts.length) await showPlace(pts.reduce((a, b) => (b.n > a.n ? b : a)));
      else document.getElementById("place-events").innerHTML = `<p class="muted">${P.esc(P.t("common.none"))}</p>`;
      document.body.dataset.chart = "ready";
      document.body.dataset.places = pts.length;
    } catch (err) { P.showError(document.getElementById("place-events"), err); }
  };
  form.addEventListener("submit", (e) => { e.preventDefault(); draw(); });
  await draw();
})();
