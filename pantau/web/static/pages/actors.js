/* Actors: who-acts-on-whom network (edges weighted by events, coloured by quad) and an actor page. */
"use strict";
(async () => {
  await P.init("actors");
  const qs = P.qs();
  if (qs.code) {
    document.getElementById("network-view").hidden = true;
    const box = document.getElementById("actor-view");
    try {
      const a = await P.api("/api/actors/" + encodeURIComponent(qs.code), { limit: 50 });
      const byType = Object.entries(a.as_actor_by_type).map(([t, n]) => `<li>${P.typeBadge(t, P.QUAD_OF[t])} ${n}</li>`).join("");
      const quotes = a.quotes.map((q) => `<li>“${P.esc(q.text)}” <span class="muted">— ${P.esc(q.outlet || "")},
        <a href="/article?id=${encodeURIComponent(q.article_id)}">${P.esc(P.title(q.article_title))}</a></span></li>`).join("");
      box.innerHTML = `<p><a href="/actors" data-i18n="actors.back"></a></p><h1>${P.esc(a.code)} <span class="muted small">${P.esc(a.names.join(", "))}</span></h1>
        <div class="grid2"><div class="card"><h2 data-i18n="actors.recent"></h2><div id="actor-events"></div></div>
        <div><div class="card"><h2 data-i18n="actors.by_type"></h2><ul class="plain small">${byType}</ul></div>
        <div class="card"><h2 data-i18n="actors.quotes"></h2><ul class="plain small">${quotes || `<li class="muted">${P.esc(P.t("common.none"))}</li>`}</ul></div></div></div>`;
      P.applyI18n(box);
      P.eventTable(document.getElementById("actor-events"), a.events);
      document.body.dataset.chart = "ready";
    } catch (err) { P.showError(box, err); }
    return;
  }
  const form = document.getElementById("filters");
  form.quad.innerHTML = `<option value="">${P.esc(P.t("filter.any"))}</option>` +
    [1, 2, 3, 4].map((q) => `<option value="${q}">${q} · ${P.esc(P.t("quad." + q))}</option>`).join("");
  document.getElementById("legend").innerHTML = [1, 2, 3, 4].map((q) =>
    `<span style="margin-right:12px"><span class="swatch" style="background:${P.QUAD_COLORS[q]}"></span>${P.esc(P.t("quad." + q))}</span>`).join("");
  const draw = async () => {
    const params = Object.fromEntries(new FormData(form).entries());
    try {
      const net = await P.api("/api/actors", { ...params, limit: 60 });
      const edges = net.edges.map((e) => ({ ...e, color: P.QUAD_COLORS[e.quad], label: P.t("quad." + e.quad) }));
      // Nodes without an edge in this selection would only clutter the layout: list them instead.
      const linked = new Set(edges.flatMap((e) => [e.source, e.target]));
      const nodes = net.nodes.filter((n) => linked.has(n.id)).map((n) => ({ id: n.id, n: n.n_events || 1 }));
      const lone = net.nodes.filter((n) => !linked.has(n.id));
      document.getElementById("isolated").innerHTML = lone.length
        ? `<b>${P.esc(P.t("actors.isolated"))}:</b> ${P.codes(lone.map((n) => n.id))}` : "";
      PantauCharts.network(document.getElementById("network"), nodes, edges, {
        height: 560, empty: P.t("common.none"), onClick: (n) => { location.href = "/actors?code=" + encodeURIComponent(n.id); } });
      document.body.dataset.chart = "ready";
    } catch (err) { P.showError(document.getElementById("legend"), err); }
  };
  form.addEventListener("submit", (e) => { e.preventDefault(); draw(); });
  await draw();
})();
