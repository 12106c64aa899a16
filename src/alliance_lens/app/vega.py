"""Charts drawn by the browser: one copy of Vega for the page, then only specifications travel.

An alternative to the static SVG of :mod:`alliance_lens.app.views` (``renderer="browser"``): the kernel sends a
chart's Vega-Lite specification and the page draws it with vega-embed, so no SVG conversion runs in the kernel
(vl-convert's JavaScript runtime costs ~90 MB of kernel memory and ~100–250 ms per chart here). The Vega bundle
(~0.9 MB) travels once per page, in one :class:`VegaLoader` widget, instead of once per chart as with an
offline ``JupyterChart``; it is built once per machine (vl-convert, in a separate process so the kernel does not
keep the runtime) and kept in the workspace folder's cache.
"""

from __future__ import annotations

import logging

import anywidget
import traitlets

from alliance_lens.charts.bundle import bundle_path, cached_bundle
from alliance_lens.config import settings

log = logging.getLogger("alliance_lens.app")

_LOADER_ESM = r"""
function load(model) {
  const code = model.get("bundle");
  if (!code || window.vegaEmbed || window.__alVegaLoading) return;
  window.__alVegaLoading = true;
  const script = document.createElement("script");
  script.textContent = code;  // a classic script: it sets window.vegaEmbed
  document.head.appendChild(script);
  window.dispatchEvent(new Event("al-vega-ready"));
}
export default {
  render({ model, el }) {
    load(model);
    const onChange = () => load(model);
    model.on("change:bundle", onChange);
    return () => model.off("change:bundle", onChange);
  },
};
"""

_CHART_ESM = r"""
function vegaReady() {
  if (window.vegaEmbed) return Promise.resolve(window.vegaEmbed);
  return new Promise((resolve) => {
    const done = () => { window.removeEventListener("al-vega-ready", done); resolve(window.vegaEmbed); };
    window.addEventListener("al-vega-ready", done);
  });
}
export default {
  render({ model, el }) {
    let shown = null;
    let turn = 0;
    const draw = async () => {
      const mine = ++turn;
      const message = model.get("message");
      const spec = model.get("spec");
      if (message || !spec || !Object.keys(spec).length) {
        if (shown) { shown.finalize(); shown = null; }
        el.innerHTML = message;
        return;
      }
      const embed = await vegaReady();
      const target = document.createElement("div");
      const result = await embed(target, spec, { renderer: "svg", actions: false });
      if (mine !== turn) { result.finalize(); return; }  // a newer spec arrived meanwhile
      if (shown) shown.finalize();
      shown = result;
      // the chart's data as a table beside it (escaped HTML made by alliance_lens.charts.data_details);
      // a <details> the reader had opened stays open across redraws
      const wasOpen = !!el.querySelector("details.al-data[open]");
      const data = document.createElement("div");
      data.innerHTML = model.get("table") || "";
      const details = data.querySelector("details.al-data");
      if (details && wasOpen) details.open = true;
      el.replaceChildren(target, ...data.childNodes);  // swapped whole: the old chart stays until the new one is drawn
    };
    draw();
    model.on("change:spec", draw);
    model.on("change:message", draw);
    return () => { model.off("change:spec", draw); model.off("change:message", draw); if (shown) shown.finalize(); };
  },
};
"""


class VegaLoader(anywidget.AnyWidget):
    """Puts Vega, Vega-Lite and vega-embed into the page once (invisible)."""

    _esm = traitlets.Unicode(_LOADER_ESM).tag(sync=True)
    bundle = traitlets.Unicode("").tag(sync=True)


class VegaChart(anywidget.AnyWidget):
    """One chart drawn by the browser from its Vega-Lite ``spec``; ``message`` (HTML) shown instead if set.

    ``table``: HTML shown below the drawing — the chart's data as a table in a ``<details>``
    (:func:`alliance_lens.charts.data_details`, every text escaped).
    """

    _esm = traitlets.Unicode(_CHART_ESM).tag(sync=True)
    spec = traitlets.Dict({}).tag(sync=True)
    table = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)


def javascript_bundle() -> str:
    """The Vega bundle from the cache; built first (in a separate process) if missing."""
    return cached_bundle(bundle_path()).decode("utf-8")


def choose_renderer(renderer: str | None = None) -> str:
    """``renderer``, else ``ALLIANCE_LENS_CHARTS``, else ``browser``; ``svg`` when the Vega bundle cannot be had."""
    chosen = renderer or settings().charts
    if chosen == "browser":
        try:
            javascript_bundle()  # built once per machine and cached; later calls read the file
        except Exception:
            log.warning("no Vega bundle for the browser: the charts are drawn as SVG instead", exc_info=True)
            chosen = "svg"
    return chosen


def loader_widgets(renderer: str) -> list[VegaLoader]:
    """What a page must hold for ``renderer``: the one (hidden) copy of Vega for ``browser``, nothing for ``svg``."""
    if renderer != "browser":
        return []
    import ipywidgets as widgets

    return [VegaLoader(bundle=javascript_bundle(), layout=widgets.Layout(display="none"))]
