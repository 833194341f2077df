/* Article view: cleaned text with entities, event evidence and quotes highlighted; furniture collapsed. */
"use strict";
(async () => {
  await P.init("");
  const qs = P.qs();
  const box = document.getElementById("article");
  if (!qs.id) { box.innerHTML = `<p class="muted">${P.esc(P.t("common.none"))}</p>`; return; }
  try {
    const a = await P.api("/api/articles/" + encodeURIComponent(qs.id));
    const spans = [];
    a.entities.forEach((e) => { if (e.start != null) spans.push({ start: e.start, end: e.end, cls: "ent", attrs: { ent: e.idx }, title: `${P.v("label", e.label)} ${e.code || ""}/${P.v("sector", e.sector)} ${e.name || ""}` }); });
    a.quotes.forEach((q) => { if (q.start != null) spans.push({ start: q.start, end: q.end, cls: "quote", attrs: { quote: q.id }, title: `“” ${q.speaker_code || ""}` }); });
    a.events.forEach((e) => (e.evidence || []).forEach((s) => spans.push({ start: s.start, end: s.end, cls: "ev", attrs: { ev: e.id }, title: `${P.v("type", e.type)} ${(e.actor_codes || []).join("+")}→${(e.recipient_codes || []).join("+")}` })));
    const removed = (a.removed || []).map((r) => `<li><span class="code" title="${P.esc(r.rule)}">${P.esc(P.v("rule", r.rule))}</span> ${P.esc(r.text)}</li>`).join("");
    const evList = a.events.map((e) => `<li data-ev="${P.esc(e.id)}">${P.typeBadge(e.type, e.quad)} ${P.codes(e.actor_codes)} → ${P.codes(e.recipient_codes)}
        ${e.mode ? `<span class="muted mode">${P.esc(P.v("mode", e.mode))}</span>` : ""}
        <span class="muted">${P.esc(P.date(e.date))} <span class="fact">${P.esc(P.v("fact", e.factuality))}</span>
        ${(e.context || []).map((c) => P.esc(P.v("ctx", c))).join(", ")}</span></li>`).join("");
    const qList = a.quotes.map((q) => `<li>${P.esc(q.speaker_code || "?")}: “${P.esc(q.text)}”</li>`).join("");
    box.innerHTML = `<h1>${P.esc(P.title(a.title))}</h1>
      <p class="muted">${P.esc(a.outlet || "")} · <span data-i18n="article.published"></span> ${P.esc(P.date(a.published))}
        ${a.url ? ` · <a href="${P.esc(a.url)}" rel="noopener noreferrer" target="_blank">${P.esc(a.url)}</a>` : ""}
        ${(a.stories || []).map((s) => ` · <a href="/stories?id=${encodeURIComponent(s.id)}">${P.esc(P.title(s.title))}</a>`).join("")}</p>
      <p class="legend small"><b data-i18n="article.legend"></b>: <span><mark class="ent">&nbsp;&nbsp;&nbsp;</mark> <span data-i18n="article.entities"></span></span>
        <span><mark class="ev">&nbsp;&nbsp;&nbsp;</mark> <span data-i18n="article.events"></span></span>
        <span><mark class="quote">&nbsp;&nbsp;&nbsp;</mark> <span data-i18n="article.quotes"></span></span></p>
      <div class="grid2"><div>
        <div class="article-text" id="text">${P.highlight(a.text, spans)}</div>
        <details class="removed"><summary><span data-i18n="article.removed"></span> (${(a.removed || []).length})</summary><ul>${removed}</ul></details>
      </div><div>
        <div class="card"><h2 data-i18n="article.events"></h2><ul class="plain small" id="event-list">${evList}</ul></div>
        <div class="card"><h2 data-i18n="article.quotes"></h2><ul class="plain small">${qList}</ul></div>
      </div></div>`;
    P.applyI18n(box);
    const focus = (id) => {
      document.querySelectorAll("mark.focus").forEach((m) => m.classList.remove("focus"));
      const marks = [...document.querySelectorAll("#text mark.ev")].filter((m) => m.dataset.ev.split(" ").includes(id));
      marks.forEach((m) => m.classList.add("focus"));
      if (marks[0]) marks[0].scrollIntoView({ block: "center" });
    };
    document.querySelectorAll("#event-list li").forEach((li) => li.addEventListener("click", () => focus(li.dataset.ev)));
    if (qs.event) focus(qs.event);
    document.body.dataset.chart = "ready";
  } catch (err) { P.showError(box, err); }
})();
