// The client page: draws its charts from their Vega-Lite specifications with vega-embed, then follows its
// alliance through the live channel ("live?token=…&revision=N"). A new revision swaps in the new view; a link
// that is no longer valid replaces the whole page by the server's refusal, and nothing is asked again.
(function () {
  "use strict";

  const token = new URLSearchParams(window.location.search).get("token") || "";
  const status = document.querySelector(".al-live");
  let stopped = false;

  function chartFailed(target, view) {
    const p = document.createElement("p");
    p.className = "al-chart-error";
    p.textContent = view.dataset.chartFailed || "";
    target.replaceChildren(p);
  }

  // Draw every chart of `view` (a <main> element, in the page or not yet), one after another in page order:
  // the first chart shows as soon as it alone is drawn, not once all are. Resolves when all are drawn.
  async function draw(view) {
    for (const script of Array.from(view.querySelectorAll("script.al-spec"))) {
      const target = script.previousElementSibling;
      if (!target || !target.classList.contains("al-chart")) continue;
      if (!window.vegaEmbed) { chartFailed(target, view); continue; }
      try {
        await window.vegaEmbed(target, JSON.parse(script.textContent), { renderer: "svg", actions: false });
      } catch (e) {
        chartFailed(target, view);
      }
    }
  }

  function say(text) { if (status) status.textContent = text; }

  // The server's refusal (a whole page) takes the place of this one: no data stays on screen.
  function showRefusal(html) {
    stopped = true;
    const doc = new DOMParser().parseFromString(html, "text/html");
    const main = doc.querySelector("main");
    document.title = doc.title;
    document.body.className = doc.body.className;
    document.body.replaceChildren(main ? document.adoptNode(main) : document.createTextNode(""));
  }

  async function showRevision() {
    const response = await fetch(window.location.href, { cache: "no-store", credentials: "same-origin" });
    const html = await response.text();
    if (response.status === 403 || response.status === 410) { showRefusal(html); return; }
    if (!response.ok) throw new Error("page " + response.status);
    const doc = new DOMParser().parseFromString(html, "text/html");
    const fresh = doc.getElementById("al-view");
    const current = document.getElementById("al-view");
    if (!fresh || !current) return;
    const view = document.adoptNode(fresh);
    await draw(view);  // drawn before it is shown, so the old charts stay until the new ones are ready
    current.replaceWith(view);
    document.title = doc.title;
    const when = new Date().toLocaleTimeString();
    say((status && status.dataset.updated || "").replace("{time}", when));
  }

  function sleep(seconds) { return new Promise(function (r) { setTimeout(r, seconds * 1000); }); }

  async function follow() {
    let failures = 0;
    while (!stopped) {
      const view = document.getElementById("al-view");
      const revision = view ? view.dataset.revision : "-1";
      const url = "live?token=" + encodeURIComponent(token) + "&revision=" + encodeURIComponent(revision);
      try {
        const response = await fetch(url, { cache: "no-store", credentials: "same-origin" });
        if (response.status === 403 || response.status === 410) { showRefusal(await response.text()); return; }
        if (response.status === 429) {
          await sleep(Number(response.headers.get("Retry-After")) || 30);
          continue;
        }
        if (!response.ok) throw new Error("live " + response.status);
        const answer = await response.json();
        failures = 0;
        if (String(answer.revision) !== String(revision)) await showRevision();
      } catch (e) {
        failures += 1;
        if (failures > 1) say(status ? status.dataset.offline || "" : "");
        await sleep(Math.min(30, 2 ** failures));
      }
    }
  }

  const first = document.getElementById("al-view");
  if (!first) return;  // a refusal page: nothing to draw, nothing to follow
  draw(first).then(function () { document.body.dataset.drawn = "1"; });
  if (token) follow();
})();
