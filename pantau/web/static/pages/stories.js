/* Stories: list with outlets; a story shows its articles, syndication chain and event timeline. */
"use strict";
(async () => {
  await P.init("stories");
  const qs = P.qs();
  const LIMIT = 50;
  const form = document.getElementById("filters");
  form.type.innerHTML = `<option value="">${P.esc(P.t("filter.any"))}</option>` +
    P.TYPES.map((t) => `<option value="${t}">${P.esc(P.v("type", t))}</option>`).join("");
  for (const [k, v] of Object.entries(qs)) {
    const el = form.elements[k];
    if (el && el.type === "checkbox") el.checked = v === "1"; else if (el) el.value = v;
  }
  const list = async (offset) => {
    const box = document.getElementById("list");
    const params = Object.fromEntries(new FormData(form).entries());
    // Signal first: stories with coded events, several outlets or known actors lead, unless "all news".
    const sort = params.all ? "recent" : "relevance";
    document.getElementById("order").textContent = P.t(sort === "recent" ? "stories.sorted_date" : "stories.sorted_relevance");
    document.body.dataset.sort = sort;
    try {
      const { all, ...filters } = params;
      const page = await P.api("/api/stories", { ...filters, sort, limit: LIMIT, offset });
      document.body.dataset.total = page.total;
      const url = new URL(location.href);
      url.search = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
      history.replaceState(null, "", url);
      P.pager(document.getElementById("pager"), page, list);
      if (!page.items.length) { box.innerHTML = `<p class="muted">${P.esc(P.t("stories.none"))}</p>`; return; }
      const head = ["col.date", "col.title", "col.events", "col.articles", "col.outlets", "col.actors"]
        .map((k) => `<th>${P.esc(P.t(k))}</th>`).join("");
      box.innerHTML = `<table class="data stories"><thead><tr>${head}</tr></thead><tbody>` + page.items.map((s) =>
        `<tr data-id="${P.esc(s.id)}" data-relevance="${s.relevance ?? ""}" data-events="${s.n_events ?? ""}"><td class="nowrap">${P.esc(P.date(s.first_date))}${s.last_date && s.last_date !== s.first_date ? " – " + P.esc(P.date(s.last_date)) : ""}</td>
          <td><a href="/stories?id=${encodeURIComponent(s.id)}">${P.esc(P.title(s.title))}</a></td>
          <td class="num" title="${P.esc(P.t("stories.relevance_title"))}: ${s.relevance ?? ""}">${s.n_events ?? ""}</td>
          <td class="num">${s.n_articles ?? ""}</td><td class="outlets" title="${P.esc(P.t("col.sources_title"))}"><b class="n-outlets">${s.n_outlets ?? ""}</b> · ${P.esc((s.outlets || []).join(", "))}</td><td>${P.codes(s.main_actors)}</td></tr>`).join("") +
        "</tbody></table>";
      document.body.dataset.chart = "ready";
    } catch (err) { P.showError(box, err); }
  };
  const timeline = (svg, events) => {
    const pts = events.filter((e) => e.date).map((e) => ({ t: PantauCharts.day(e.date), y: e.quad || 0, data: e,
      label: `${P.v("type", e.type)} ${(e.actor_codes || []).join("+")}→${(e.recipient_codes || []).join("+")}` }));
    const byQuad = [1, 2, 3, 4].map((q) => ({ name: P.t("quad." + q), color: P.QUAD_COLORS[q], points: pts.filter((p) => p.y === q) }));
    // Events are points: a line between two events of a quad would suggest a value in between.
    PantauCharts.lineChart(svg, byQuad, [], { height: 180, lines: false, yLabel: P.t("stories.timeline_y"),
      yTicks: [1, 2, 3, 4].map((q) => [q, `${q} · ${P.t("quad." + q)}`]), xLabel: P.t("overview.x_axis"),
      empty: P.t("common.none") });
  };
  const detail = async (id) => {
    const box = document.getElementById("detail");
    document.getElementById("list-wrap").hidden = true;
    box.innerHTML = P.esc(P.t("common.loading"));
    try {
      const s = await P.api("/api/stories/" + encodeURIComponent(id));
      const outlet = new Map(s.articles.map((a) => [a.id, a]));
      const chain = s.syndication.map((d) =>
        `<li><b>${P.esc(d.original_outlet || "?")}</b> <a href="/article?id=${encodeURIComponent(d.original_id)}">${P.esc(P.title((outlet.get(d.original_id) || {}).title))}</a>
          → <b>${P.esc(d.article_outlet || "?")}</b> <a href="/article?id=${encodeURIComponent(d.article_id)}">${P.esc(P.title((outlet.get(d.article_id) || {}).title))}</a>
          <span class="muted">${P.esc(P.v("relation", d.relation))} ${d.similarity != null ? Number(d.similarity).toFixed(2) : ""}</span></li>`).join("");
      const arts = s.articles.map((a) => `<li>${P.esc(P.date(a.published))} <b>${P.esc(a.outlet || "")}</b>
          <a href="/article?id=${encodeURIComponent(a.id)}">${P.esc(P.title(a.title))}</a></li>`).join("");
      box.innerHTML = `<p><a href="/stories">‹ ${P.esc(P.t("stories.title"))}</a></p>
        <h1 class="story-title">${P.esc(P.title(s.title))}</h1>
        <p class="muted">${P.esc(P.date(s.first_date))} – ${P.esc(P.date(s.last_date))} · ${s.n_articles ?? s.articles.length} ${P.esc(P.t("col.articles"))} ·
          <span class="n-outlets">${s.n_outlets ?? (s.outlets || []).length}</span> ${P.esc(P.t("col.sources").toLowerCase())}: ${P.esc((s.outlets || []).join(", "))} ${P.codes(s.main_actors)}</p>
        <div class="card"><h2 data-i18n="stories.timeline"></h2><svg class="chart" id="timeline" role="img"></svg>
          <p class="muted small" data-i18n="stories.timeline_hint"></p><div id="events"></div></div>
        <div class="grid2"><div class="card"><h2 data-i18n="stories.articles"></h2><ul class="plain small">${arts}</ul></div>
        <div class="card"><h2 data-i18n="stories.syndication"></h2><ul class="plain small syndication">${chain || `<li class="muted">${P.esc(P.t("common.none"))}</li>`}</ul></div></div>`;
      P.applyI18n(box);
      timeline(document.getElementById("timeline"), s.events);
      const evBox = document.getElementById("events");
      if (s.events.length && s.events[0].canonical) {
        evBox.innerHTML = `<table class="data"><thead><tr><th>${P.esc(P.t("col.date"))}</th><th>${P.esc(P.t("col.type"))}</th><th>${P.esc(P.t("col.actor"))}</th><th>${P.esc(P.t("col.recipient"))}</th><th title="${P.esc(P.t("col.sources_title"))}">${P.esc(P.t("col.sources"))}</th></tr></thead><tbody>` +
          s.events.map((e) => `<tr><td class="nowrap">${P.esc(P.date(e.date) || "—")}</td><td>${P.typeBadge(e.type, e.quad)}${e.mode ? ` <span class="muted small mode">${P.esc(P.v("mode", e.mode))}</span>` : ""}</td><td>${P.codes(e.actor_codes)}</td>
            <td>${P.codes(e.recipient_codes)}</td><td class="sources" title="${P.esc(P.t("col.sources_title"))}"><b class="n-sources">${e.n_sources ?? ""}</b> · ${P.esc((e.sources || []).join(", "))}</td></tr>`).join("") + "</tbody></table>";
      } else {
        P.eventTable(evBox, s.events);
      }
      document.body.dataset.chart = "ready";
    } catch (err) { P.showError(box, err); }
  };
  if (qs.id) { await detail(qs.id); return; }
  form.addEventListener("submit", (e) => { e.preventDefault(); list(0); });
  form.addEventListener("reset", () => setTimeout(() => list(0), 0));
  await list(0);
})();
