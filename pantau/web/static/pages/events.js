/* Events: a filterable, paginated table; each row expands to the evidence sentence, trace and outlets. */
"use strict";
(async () => {
  await P.init("events");
  const form = document.getElementById("filters");
  form.type.innerHTML = `<option value="">${P.esc(P.t("filter.any"))}</option>` + P.TYPES.map((t) => `<option value="${t}">${P.esc(P.v("type", t))}</option>`).join("");
  form.quad.innerHTML = `<option value="">${P.esc(P.t("filter.any"))}</option>` +
    [1, 2, 3, 4].map((q) => `<option value="${q}">${q} · ${P.esc(P.t("quad." + q))}</option>`).join("");
  const qs = P.qs();
  for (const [k, v] of Object.entries(qs)) {
    const el = form.elements[k];
    if (el && el.type === "checkbox") el.checked = v === "1"; else if (el) el.value = v;
  }
  const LIMIT = 50;
  const load = async (offset) => {
    const params = Object.fromEntries(new FormData(form).entries());
    const table = document.getElementById("table");
    table.innerHTML = P.esc(P.t("common.loading"));
    // Signal first: relevant events (known actors, two parties, widely reported) unless "all news".
    const sort = params.all ? "date" : "relevance";
    document.getElementById("order").textContent = P.t(sort === "date" ? "events.sorted_date" : "events.sorted_relevance");
    document.body.dataset.sort = sort;
    try {
      const { all, ...filters } = params;
      const page = await P.api("/api/events", { ...filters, sort, limit: LIMIT, offset });
      P.eventTable(table, page.items);
      P.pager(document.getElementById("pager"), page, load);
      document.body.dataset.total = page.total;
      const url = new URL(location.href);
      url.search = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
      history.replaceState(null, "", url);
    } catch (err) { P.showError(table, err); }
  };
  form.addEventListener("submit", (e) => { e.preventDefault(); load(0); });
  form.addEventListener("reset", () => setTimeout(() => load(0), 0));
  await load(0);
})();
