// One Altair chart drawn in JupyterLab, Notebook 7 or Voilà by vega-embed, offline.
//
// The chart's model carries only its Vega-Lite spec. Vega, Vega-Lite and vega-embed (~0.9 MB) come once per
// page: the first chart that finds no window.vegaEmbed asks its kernel for them (a custom message, so the
// bundle is never part of any widget's saved state), and every other chart on the page waits for that one.

function loadBundle(model) {
  if (window.vegaEmbed) return Promise.resolve(window.vegaEmbed);
  if (!window.__alliancLensVega) {
    window.__alliancLensVega = new Promise((resolve, reject) => {
      const onMessage = (msg) => {
        if (!msg || msg.kind !== "vega-bundle") return;
        model.off("msg:custom", onMessage);
        const script = document.createElement("script");
        script.textContent = msg.code; // a classic script: it sets window.vegaEmbed
        document.head.appendChild(script);
        if (window.vegaEmbed) {
          window.dispatchEvent(new Event("al-vega-ready")); // the dashboard's charts wait for this too
          resolve(window.vegaEmbed);
        } else {
          window.__alliancLensVega = null; // let a later chart try again
          reject(new Error("the Vega bundle sent by the kernel did not define vegaEmbed"));
        }
      };
      model.on("msg:custom", onMessage);
      model.send({ kind: "need-vega-bundle" });
    });
  }
  return window.__alliancLensVega;
}

export default {
  render({ model, el }) {
    el.classList.add("alliance-lens-chart");
    let shown = null;
    let turn = 0;
    const draw = async () => {
      const mine = ++turn;
      try {
        const embed = await loadBundle(model);
        const target = document.createElement("div");
        const result = await embed(target, model.get("spec"), model.get("embed_options"));
        if (mine !== turn) {
          result.finalize(); // a newer spec arrived meanwhile
          return;
        }
        if (shown) shown.finalize();
        shown = result;
        el.replaceChildren(target);
      } catch (error) {
        el.textContent = "alliance_lens: the chart could not be drawn: " + String(error);
        console.error(error);
      }
    };
    draw();
    model.on("change:spec", draw);
    return () => {
      model.off("change:spec", draw);
      if (shown) shown.finalize();
    };
  },
};
