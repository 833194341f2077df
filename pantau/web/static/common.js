/* Pantau dashboard: shared helpers (i18n, API access, highlighting, event rendering). Plain JS, no deps. */
"use strict";
const P = (window.P = {});
P.lang = localStorage.getItem("pantau.lang") || "id";
P.dict = {};
P.QUAD_COLORS = { 0: "#999", 1: "#2e9e5b", 2: "#1f7fb4", 3: "#e08a1e", 4: "#c8332b" };
P.QUAD_OF = { AGREE: 1, CONSULT: 1, SUPPORT: 1, CONCEDE: 1, COOPERATE: 2, AID: 2, RETREAT: 2, REQUEST: 3, ACCUSE: 3,
  REJECT: 3, THREATEN: 3, SANCTION: 3, PROTEST: 4, MOBILIZE: 4, COERCE: 4, ASSAULT: 4 };
P.TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
  "REJECT", "THREATEN", "SANCTION", "PROTEST", "MOBILIZE", "COERCE", "ASSAULT"];

/* A categorical palette for dyads: Tableau 10 as shipped by d3-scale-chromatic (schemeTableau10;
   see THIRD_PARTY.txt). Ten distinct colours: the overview shows at most ten dyads at once. */
P.PALETTE = ["#4e79a7", "#f28e2c", "#e15759", "#76b7b2", "#59a14f", "#edc949", "#af7aa1", "#ff9da7", "#9c755f", "#bab0ab"];

P.t = (key) => (P.dict[P.lang] && P.dict[P.lang][key]) || (P.dict.en && P.dict.en[key]) || key;
/* A value shown to the user (type, mode, factuality, sector, ...) in the chosen language; the raw
   value only if the i18n file lacks it (tests/test_i18n.py fails then). */
P.v = (prefix, value) => {
  if (value == null || value === "") return "";
  const key = prefix + "." + value;
  return (P.dict[P.lang] && P.dict[P.lang][key]) || value;
};
P.locale = () => (P.lang === "id" ? "id-ID" : "en-GB");
/* An ISO day ("2024-05-03" or a timestamp) as the chosen locale writes it: "3 Mei 2024". */
P.date = (s) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(s || ""));
  if (!m) return s ? String(s) : "";
  return new Intl.DateTimeFormat(P.locale(), { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
};
P.title = (title, id) => (title && String(title).trim()) || P.t("common.untitled");

P.esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

P.api = async (path, params) => {
  const url = new URL(path, location.origin);
  if (params) {
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === null || v === "") continue;
      if (Array.isArray(v)) v.forEach((x) => url.searchParams.append(k, x));
      else url.searchParams.set(k, v);
    }
  }
  const r = await fetch(url);
  if (!r.ok) {
    let msg = r.status + " " + r.statusText;
    try { const j = await r.json(); msg += ": " + JSON.stringify(j.detail); } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return r.json();
};

P.applyI18n = (root) => {
  (root || document).querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = P.t(el.dataset.i18n); });
  (root || document).querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = P.t(el.dataset.i18nPlaceholder);
  });
  (root || document).querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = P.t(el.dataset.i18nTitle); });
};

P.init = async (page) => {
  try { P.dict = await (await fetch("/static/i18n.json")).json(); } catch (e) { P.dict = {}; }
  document.documentElement.lang = P.lang;
  if (window.PantauCharts) PantauCharts.locale = P.locale();
  const pages = [["/", "overview"], ["/events", "events"], ["/stories", "stories"], ["/actors", "actors"], ["/map", "map"]];
  const header = document.getElementById("top");
  header.innerHTML =
    `<span class="brand">Pantau</span><span class="tagline" data-i18n="app.tagline"></span><nav>` +
    pages.map(([href, key]) => `<a href="${href}" class="${key === page ? "active" : ""}" data-i18n="nav.${key}"></a>`).join("") +
    `<a href="/openapi.json" data-i18n="nav.api"></a></nav><button id="lang" type="button" data-i18n="lang.toggle"></button>`;
  document.getElementById("lang").addEventListener("click", () => {
    localStorage.setItem("pantau.lang", P.lang === "id" ? "en" : "id");
    location.reload();
  });
  P.applyI18n();
};

P.qs = () => Object.fromEntries(new URLSearchParams(location.search));

P.showError = (el, err) => {
  el.innerHTML = `<p class="error">${P.esc(P.t("common.error"))}: ${P.esc(err.message || err)}</p>`;
};

P.typeBadge = (type, quad) => `<span class="type q${quad || 0}" data-type="${P.esc(type)}" title="${P.esc(type + " · " + P.t("quad." + quad))}">${P.esc(P.v("type", type))}</span>`;
P.codes = (list) => (list || []).map((c) => `<a class="code" href="/actors?code=${encodeURIComponent(c)}">${P.esc(c)}</a>`).join("");

/* Highlight code-point spans of `text` (offsets as Python counts them). spans: [{start, end, cls, attrs}].
   Overlaps are split into segments; each segment carries the classes and data of every span covering it. */
P.highlight = (text, spans) => {
  const chars = Array.from(text || "");
  const cuts = new Set([0, chars.length]);
  const ok = (spans || []).filter((s) => s.start >= 0 && s.end <= chars.length && s.end > s.start);
  ok.forEach((s) => { cuts.add(s.start); cuts.add(s.end); });
  const points = [...cuts].sort((a, b) => a - b);
  let html = "";
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i], b = points[i + 1];
    const seg = P.esc(chars.slice(a, b).join(""));
    const cover = ok.filter((s) => s.start <= a && s.end >= b);
    if (!cover.length) { html += seg; continue; }
    const cls = [...new Set(cover.map((s) => s.cls))].join(" ");
    const data = {};
    cover.forEach((s) => Object.entries(s.attrs || {}).forEach(([k, v]) => {
      data[k] = data[k] ? data[k] + " " + v : String(v);
    }));
    const title = cover.map((s) => s.title).filter(Boolean).join(" · ");
    const attrs = Object.entries(data).map(([k, v]) => ` data-${k}="${P.esc(v)}"`).join("");
    html += `<mark class="${cls}"${attrs}${title ? ` title="${P.esc(title)}"` : ""}>${seg}</mark>`;
  }
  return html;
};

/* The detail block of one event (from /api/events/{id}): sentence with evidence, trace, reporting outlets. */
P.eventDetail = (ev) => {
  let sentence = "";
  if (ev.context) {
    const spans = ev.context.spans.map((s) => ({ start: s.start, end: s.end, cls: "ev", attrs: { ev: ev.id } }));
    sentence = `<div class="sentence">${P.highlight(ev.context.text, spans)}</div>`;
  }
  const ent = (list) => (list || []).map((e) => `${P.esc(e.text || e.name || "")} <span class="code" title="${P.esc(P.v("sector", e.sector))}">${P.esc(e.code || "?")}/${P.esc(e.sector || "?")}</span>`).join(", ");
  const ctx = (ev.context_tags || (Array.isArray(ev.context) ? ev.context : null) || []).map((c) => P.esc(P.v("ctx", c))).join(", ");
  const reports = (ev.reports || []).map((r) => {
    const label = P.esc(r.outlet || "?") + (r.published ? ` <span class="muted small">${P.esc(P.date(r.published))}</span>` : "");
    const link = r.url ? ` <a href="${P.esc(r.url)}" rel="noopener noreferrer" target="_blank">↗</a>` : "";
    return `<li>${label} — <a href="/article?id=${encodeURIComponent(r.article_id)}">${P.esc(P.title(r.title))}</a>${link}</li>`;
  }).join("");
  return `${sentence}
    <div class="small"><b>${P.esc(P.t("col.actor"))}:</b> ${ent(ev.actor)} &nbsp; <b>${P.esc(P.t("col.recipient"))}:</b> ${ent(ev.recipient) || "—"}
    ${ev.mode ? ` &nbsp; <b>${P.esc(P.t("events.mode"))}:</b> <span class="mode">${P.esc(P.v("mode", ev.mode))}</span>` : ""}
    ${ctx ? ` &nbsp; <b>${P.esc(P.t("events.context"))}:</b> ${ctx}` : ""}</div>
    <div class="small trace"><b>${P.esc(P.t("events.trace"))}:</b> ${P.esc(P.t("events.pattern"))} <code>${P.esc(ev.pattern || "—")}</code>;
      ${P.esc(P.t("events.confidence"))} ${ev.confidence != null ? Number(ev.confidence).toFixed(2) : "—"};
      ${P.esc(P.t("events.factuality"))}: <span class="fact">${P.esc(P.v("fact", ev.factuality) || "—")}</span></div>
    <div class="small"><b>${P.esc(P.t("events.reported_by"))}:</b><ul class="reports">${reports}</ul></div>
    <a href="/article?id=${encodeURIComponent(ev.article_id)}&event=${encodeURIComponent(ev.id)}">${P.esc(P.t("events.open_article"))} →</a>`;
};

/* A table of event summaries whose rows expand into P.eventDetail. */
P.eventTable = (container, items, opts = {}) => {
  if (!items.length) { container.innerHTML = `<p class="muted">${P.esc(P.t("events.none"))}</p>`; return; }
  // "How many independent outlets reported it" (issue 24): the canonical event's count, syndicated copies
  // counted once (empty before `pantau stories` has run), wherever the items carry it (/api/events: the
  // Overview's day list and the Events page).
  const src = items.some((e) => "n_sources" in e);
  const cols = ["col.date", "col.type", "col.actor", "col.recipient", "col.outlet", ...(src ? ["col.sources"] : []), "col.article"];
  const head = cols.map((k) => `<th${k === "col.sources" ? ` title="${P.esc(P.t("col.sources_title"))}"` : ""}>${P.esc(P.t(k))}</th>`).join("");
  const rows = items.map((e) => `<tr class="row" data-id="${P.esc(e.id)}">
      <td class="nowrap">${P.esc(P.date(e.date) || "—")}</td><td class="nowrap">${P.typeBadge(e.type, e.quad)}${e.mode ? ` <span class="muted small mode">${P.esc(P.v("mode", e.mode))}</span>` : ""}${e.factuality && e.factuality !== "asserted" ? ` <span class="muted small fact">${P.esc(P.v("fact", e.factuality))}</span>` : ""}</td>
      <td>${P.codes(e.actor_codes)}</td><td>${P.codes(e.recipient_codes)}</td>
      <td>${P.esc(e.outlet || "")}</td>${src ? `<td class="num sources">${P.esc(e.n_sources ?? "")}</td>` : ""}
      <td>${P.esc(P.title(e.article_title))}</td></tr>`).join("");
  container.innerHTML = `<table class="data events"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
  container.querySelectorAll("tr.row").forEach((tr) => tr.addEventListener("click", async () => {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains("detail")) { next.remove(); return; }
    const detail = document.createElement("tr");
    detail.className = "detail";
    detail.innerHTML = `<td colspan="${cols.length}">${P.esc(P.t("common.loading"))}</td>`;
    tr.after(detail);
    try {
      const ev = await P.api("/api/events/" + encodeURIComponent(tr.dataset.id));
      detail.firstElementChild.innerHTML = P.eventDetail(ev);
    } catch (err) { P.showError(detail.firstElementChild, err); }
    if (opts.onExpand) opts.onExpand(detail);
  }));
};

P.pager = (el, page, onGo) => {
  const from = page.total ? page.offset + 1 : 0;
  const to = Math.min(page.offset + page.limit, page.total);
  el.innerHTML = `<button class="plain prev" type="button" ${page.offset <= 0 ? "disabled" : ""}>${P.esc(P.t("page.prev"))}</button>
    <span class="count">${from}–${to} ${P.esc(P.t("page.of"))} <b class="total">${page.total}</b></span>
    <button class="plain next" type="button" ${to >= page.total ? "disabled" : ""}>${P.esc(P.t("page.next"))}</button>`;
  el.querySelector(".prev").onclick = () => onGo(Math.max(0, page.offset - page.limit));
  el.querySelector(".next").onclick = () => onGo(page.offset + page.limit);
};
