/* Stories: list with outlets; a story shows its articles, syndication chain and event timeline. */
"use strict";
(async () => {
  await P.init("stories");
  const qs = P.qs();
  const LIMIT = 50;
  const list = async (offset) => {
    const box = document.getElementById("list");
    try {
      const page = await P.api("/api/stories", { limit: LIMIT, offset });
      if (!page.items.length) { box.innerHTML = `<p class="muted">${P.esc(P.t("stories.none"))}</p>`; return; }
      const head = ["col.date", "col.title", "col.articles", "col.outlets", "col.actors"].map((k) => `<th>${P.esc(P.t(k))}</th>`).join("");
      box.innerHTML = `<table class="data stories"><thead><tr>${head}</tr></thead><tbody>` + page.items.map((s) =>
        `<tr><td>${P.esc(s.first_date || "")}${s.last_date && s.last_date !== s.first_date ? " – " + P.esc(s.last_date) : ""}</td>
          <td><a href="/stories?id=${encodeURIComponent(s.id)}">${P.esc(s.title || s.id)}</a></td>
          <td>${s.n_articles ?? ""}</td><td>${P.esc((s.outlets || []).join(", "))}</td><td>${P.codes(s.main_actors)}</td></tr>`).join("") +
        "</tbody></table>";
      P.pager(document.getElementById("pager"), page, list);
    } catch (err) { P.showError(box, err); }
  };
  const timeline = (svg, events) => {
    const pts = events.filter((e) => e.date).map((e) => ({ t: PantauCharts.day(e.date), y: e.quad || 0, data: e }));
    const byQuad = [1, 2, 3, 4].map((q) => ({ name: P.t("quad." + q), color: P.QUAD_COLORS[q], points: pts.filter((p) => p.y === q) }));
    byQuad.forEach((s) => { s.dash = "0 100000"; });
    PantauCharts.lineChart(svg, byQuad, [], { height: 160, yLabel: "quad", empty: P.t("common.none") });
  };
  const detail = async (id) => {
    const box = document.getElementById("detail");
    document.getElementById("list-wrap").hidden = true;
    box.innerHTML = P.esc(P.t("common.loading"));
    try {
      const s = await P.api("/api/stories/" + encodeURIComponent(id));
      const outlet = new Map(s.articles.map((a) => [a.id, a]));
      const chain = s.syndication.map((d) =>
        `<li><b>${P.esc(d.original_outlet || "?")}</b> <a href="/article?id=${encodeURIComponent(d.original_id)}">${P.esc((outlet.get(d.original_id) || {}).title || d.original_id)}</a>
          → <b>${P.esc(d.article_outlet || "?")}</b> <a href="/article?id=${encodeURIComponent(d.article_id)}">${P.esc((outlet.get(d.article_id) || {}).title || d.article_id)}</a>
          <span class="muted">${P.esc(d.relation || "")} ${d.similarity != null ? Number(d.similarity).toFixed(2) : ""}</span></li>`).join("");
      const arts = s.articles.map((a) => `<li>${P.esc(String(a.published || "").slice(0, 10))} <b>${P.esc(a.outlet || "")}</b>
          <a href="/article?id=${encodeURIComponent(a.id)}">${P.esc(a.title || a.id)}</a></li>`).join("");
      box.innerHTML = `<p><a href="/stories">‹ ${P.esc(P.t("stories.title"))}</a></p>
        <h1 class="story-title">${P.esc(s.title || s.id)}</h1>
        <p class="muted">${P.esc(s.first_date || "")} – ${P.esc(s.last_date || "")} · ${s.n_articles ?? s.articles.length} ${P.esc(P.t("col.articles"))} ·
          ${P.esc((s.outlets || []).join(", "))} ${P.codes(s.main_actors)}</p>
        <div class="card"><h2 data-i18n="stories.timeline"></h2><svg class="chart" id="timeline"></svg><div id="events"></div></div>
        <div class="grid2"><div class="card"><h2 data-i18n="stories.articles"></h2><ul class="plain small">${arts}</ul></div>
        <div class="card"><h2 data-i18n="stories.syndication"></h2><ul class="plain small syndication">${chain || `<li class="muted">${P.esc(P.t("common.none"))}</li>`}</ul></div></div>`;
      P.applyI18n(box);
      timeline(document.getElementById("timeline"), s.events);
      const evBox = document.getElementById("events");
      if (s.events.length && s.events[0].canonical) {
        evBox.innerHTML = `<table class="data"><thead><tr><th>${P.esc(P.t("col.date"))}</th><th>${P.esc(P.t("col.type"))}</th><th>${P.esc(P.t("col.actor"))}</th><th>${P.esc(P.t("col.recipient"))}</th><th>${P.esc(P.t("col.outlets"))}</th></tr></thead><tbody>` +
          s.events.map((e) => `<tr><td>${P.esc(e.date || "—")}</td><td>${P.typeBadge(e.type, e.quad)}</td><td>${P.codes(e.actor_codes)}</td>
            <td>${P.codes(e.recipient_codes)}</td><td>${e.n_mentions ?? ""} · ${P.esc((e.sources || []).join(", "))}</td></tr>`).join("") + "</tbody></table>";
      } else {
        P.eventTable(evBox, s.events);
      }
      document.body.dataset.chart = "ready";
    } catch (err) { P.showError(box, err); }
  };
  if (qs.id) await detail(qs.id); else await list(0);
})();
