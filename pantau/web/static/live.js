/* Live dashboard: polls /api/status every few seconds while something writes to the store (`pantau watch
   --serve`, or API ingest). When articles, events or alerts land, a banner says so and the events list
   refreshes itself (unless a row is open); other pages offer a refresh. No page reload, no dependencies. */
"use strict";
(() => {
  const EVERY = Number(window.PANTAU_LIVE_MS) || 4000;
  let base = null;
  let last = "";
  const key = (s) => `${s.articles}|${s.events}|${s.alerts}|${s.latest_article}|${s.latest_alert}`;

  const banner = () => {
    let el = document.getElementById("live");
    if (!el) {
      el = document.createElement("div");
      el.id = "live";
      el.setAttribute("role", "status");
      el.style.cssText = "margin:.5rem 0;padding:.4rem .8rem;border-radius:4px;background:#fff4cc;border:1px solid #e0c060";
      const main = document.querySelector("main");
      (main || document.body).prepend(el);
    }
    return el;
  };

  const refreshList = () => {
    const form = document.getElementById("filters");
    if (!form || !document.getElementById("table") || document.querySelector("tr.detail")) return false;
    form.requestSubmit();
    return true;
  };

  const changed = (s) => {
    const events = s.events - base.events;
    const alerts = s.alerts - base.alerts;
    const el = banner();
    let text = P.t("live.new_events").replace("{n}", String(Math.max(events, 0)));
    if (alerts > 0) text += " · " + P.t("live.new_alerts").replace("{n}", String(alerts));
    el.innerHTML = `<span>${P.esc(text)}</span>`;
    document.body.dataset.liveEvents = String(s.events);
    if (!refreshList()) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "plain";
      btn.textContent = P.t("live.show");
      btn.style.marginLeft = "1em";
      btn.addEventListener("click", () => { if (!refreshList()) location.reload(); });
      el.append(btn);
    }
    window.dispatchEvent(new CustomEvent("pantau:live", { detail: s }));
  };

  const tick = async () => {
    let s = null;
    try {
      const r = await fetch("/api/status", { cache: "no-cache" });
      if (r.ok) s = await r.json();
    } catch (e) { /* the server restarts: try again */ }
    if (s) {
      if (base === null) { base = s; last = key(s); document.body.dataset.live = s.live ? "on" : "off"; }
      else if (key(s) !== last) { last = key(s); changed(s); }
      if (!s.live) return; // nothing writes to this store: no need to ask again
    }
    setTimeout(tick, EVERY);
  };
  window.addEventListener("load", () => setTimeout(tick, 300));
})();
