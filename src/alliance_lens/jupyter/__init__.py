"""Altair charts that draw in JupyterLab, Notebook 7 and Voilà with no internet, interactive, ~kB per chart.

In a Jupyter kernel, ``import alliance_lens.charts`` enables the ``alliance_lens`` Altair renderer (elsewhere,
or to switch back, call :func:`enable` / ``alt.renderers.enable("default")``). A chart shown the normal way —
the last expression of a cell — becomes a small widget (:class:`ChartWidget`) that carries only its Vega-Lite
spec; the browser draws it with vega-embed (tooltips, selections and ``.interactive()`` work). Vega itself
(~0.9 MB) travels once per page view, at the first chart's request, instead of with every chart as Altair's
offline ``jupyter`` renderer ships it. Nothing is fetched from a CDN.

Where no widget front end is running (``nbconvert``, a notebook viewer) the output falls back to its text.
This module is the analysts' face of the app layer: it imports ipywidgets (through anywidget).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import anywidget
import traitlets

__all__ = ["ChartWidget", "enable", "renderer"]

RENDERER_NAME = "alliance_lens"


class ChartWidget(anywidget.AnyWidget):
    """One chart: its Vega-Lite ``spec`` and vega-embed's options; drawn by the browser."""

    _esm = Path(__file__).with_name("chart.js")
    spec = traitlets.Dict({}).tag(sync=True)
    embed_options = traitlets.Dict({}).tag(sync=True)

    def __init__(self, spec: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(spec=spec, **kwargs)
        self.on_msg(_answer)


@functools.cache
def _bundle() -> str:
    from alliance_lens.charts.bundle import bundle_path, cached_bundle

    return cached_bundle(bundle_path()).decode("utf-8")


def _answer(widget: ChartWidget, content: Any, buffers: Any) -> None:
    """The page asks for Vega once (the first chart it draws); the answer is a message, never saved state."""
    if isinstance(content, dict) and content.get("kind") == "need-vega-bundle":
        widget.send({"kind": "vega-bundle", "code": _bundle()})


def renderer(spec: dict[str, Any], **metadata: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Altair's renderer protocol: the chart's spec in, a widget's mime bundle out."""
    options = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}
    options.update(metadata.get("embed_options") or {})
    widget = ChartWidget(spec, embed_options=options)
    data, meta = widget._repr_mimebundle_()  # type: ignore[misc]  # ipywidgets' stubs say None; it is a pair
    title = spec.get("title")
    shown = title.get("text") if isinstance(title, dict) else title
    # what a reader without a widget front end (nbconvert, a notebook viewer) sees instead of the chart
    data["text/plain"] = f"alliance_lens chart{f' {shown!r}' if shown else ''} (drawn in JupyterLab, Notebook 7, Voilà)"
    return data, meta


def enable(**embed_options: Any) -> None:
    """Draw Altair charts with the ``alliance_lens`` renderer (``embed_options`` go to vega-embed)."""
    import altair as alt

    if RENDERER_NAME not in alt.renderers.names():
        alt.renderers.register(RENDERER_NAME, renderer)
    alt.renderers.enable(RENDERER_NAME, embed_options=embed_options or None)
