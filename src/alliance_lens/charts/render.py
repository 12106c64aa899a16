"""Charts to files and markup, offline: everything goes through vl-convert, nothing loads from the internet.

* :func:`to_svg`, :func:`to_png`, :func:`to_pdf` — static images (vl-convert renders them in-process);
* :func:`to_html` — a self-contained page: the Vega, Vega-Lite and Vega-Embed JavaScript inlined once, then
  the chart(s); it draws from ``file://`` with no network;
* :func:`svg_markup` — a chart as inline ``<svg>`` for a web page or a ``widgets.HTML`` (static, ~20 ms);
* :func:`save` — by the file's suffix.

The Vega-Lite version is the one Altair writes its specs for (v6), so what an analyst sees in a notebook is
what the files show. Conversions refuse to fetch any URL (``allowed_base_urls=[]``): charts embed their data.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import altair as alt

from alliance_lens.charts import theme
from alliance_lens.model import UserError

if TYPE_CHECKING:
    from types import ModuleType

ChartLike = alt.TopLevelMixin


def _vlc() -> ModuleType:
    """vl-convert, imported at the first static rendering: its 88 MB library cost an analyst's ``import`` 5 %."""
    import vl_convert

    return vl_convert


SUFFIXES: Final = (".html", ".svg", ".png", ".pdf")


class UnsupportedFormat(UserError, ValueError):
    """A file suffix we cannot write."""


def vegalite_version() -> str:
    """The Vega-Lite version for vl-convert matching Altair's schema (``v6.4.1`` → ``6.4``)."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    vlc = _vlc()
    available = vlc.get_vegalite_versions()
    if major_minor not in available:
        raise RuntimeError(
            f"vl-convert {getattr(vlc, '__version__', '?')} has no Vega-Lite {major_minor} "
            f"(Altair's {alt.SCHEMA_VERSION}); it has {', '.join(available)}: upgrade vl-convert-python"
        )
    return major_minor


def spec_of(chart: ChartLike | dict[str, Any]) -> dict[str, Any]:
    """The chart's Vega-Lite spec as a dict, validated against the schema (a dict is passed through)."""
    if isinstance(chart, dict):
        return chart
    spec: dict[str, Any] = chart.to_dict(validate=True)
    return spec


def to_svg(chart: ChartLike | dict[str, Any]) -> str:
    """The chart as an SVG document (text)."""
    svg: str = _vlc().vegalite_to_svg(spec_of(chart), vl_version=vegalite_version(), allowed_base_urls=[])
    return svg


def to_png(chart: ChartLike | dict[str, Any], *, scale: float = 2.0, ppi: float = 72) -> bytes:
    """The chart as a PNG image; ``scale`` 2 makes it sharp on paper and on high-density screens."""
    png: bytes = _vlc().vegalite_to_png(
        spec_of(chart), vl_version=vegalite_version(), scale=scale, ppi=ppi, allowed_base_urls=[]
    )
    return png


def to_pdf(chart: ChartLike | dict[str, Any]) -> bytes:
    """The chart as a one-page PDF (vector, text kept as text)."""
    pdf: bytes = _vlc().vegalite_to_pdf(spec_of(chart), vl_version=vegalite_version(), allowed_base_urls=[])
    return pdf


_XML_PROLOG = re.compile(r"^\s*<\?xml[^>]*>\s*")


def svg_markup(chart: ChartLike | dict[str, Any], *, css_class: str = "alliance-lens-chart") -> str:
    """The chart as inline ``<svg>`` markup, to put into a page (or a ``widgets.HTML``) as it is.

    Static: no JavaScript, nothing to load, so it draws offline at once. The ``<svg>`` scales down to the
    width of its container and keeps its proportions; its ``aria-label`` is the chart's ``description``.
    """
    spec = spec_of(chart)
    svg = _XML_PROLOG.sub("", to_svg(spec))
    # the chart's one-line description is what a screen reader says for the drawing (as vega-embed does)
    description = spec.get("description")
    aria = f' aria-label="{html.escape(description)}"' if isinstance(description, str) and description else ""
    return svg.replace(
        "<svg ",
        f'<svg style="max-width:100%;height:auto" role="img"{aria} data-chart="{html.escape(css_class)}" ',
        1,
    )


_BUNDLE_SNIPPET: Final = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"


@functools.cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script (~0.9 MB) that sets ``window.vegaEmbed``; built once."""
    bundle: str = _vlc().javascript_bundle(_BUNDLE_SNIPPET, vl_version=vegalite_version())
    return bundle


# JSON inside <script>: "<" may only occur in JSON strings, where \u003c means the same; escaped, no text can
# close the element early ("</script>") or switch the HTML parser into its escaped states ("<!--", "<script"),
# which hide every later "</script>" and so every chart. ">" and "&" likewise; U+2028/9 end lines in old JS.
_SCRIPT_ESCAPES: Final = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(value: object) -> str:
    """``value`` as JSON that is safe to put inside an HTML ``<script>`` element, whatever text it holds."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False).translate(_SCRIPT_ESCAPES)


PAGE_CSS: Final = f"""
body {{ font-family: {theme.FONT}; color: {theme.TEXT_COLOUR}; margin: 2rem auto; max-width: 1180px;
       padding: 0 1.5rem; line-height: 1.45; font-size: 17px; }}
h1 {{ font-size: 2rem; margin-bottom: .2rem; }}
h2 {{ font-size: 1.4rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }}
.as-of {{ color: #555; margin-top: 0; }}
.chart {{ margin: 1.5rem 0; overflow-x: auto; }}
.pattern {{ margin: .5rem 0; }}
.badge {{ display: inline-block; padding: .05rem .5rem; border-radius: .6rem; color: #111; font-weight: bold;
         font-size: .9rem; margin-right: .4rem; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: .25rem .8rem .25rem 0; text-align: left; vertical-align: top; }}
th {{ border-bottom: 1px solid #ccc; }}
footer {{ margin-top: 3rem; color: #595959; font-size: .85rem; }}
details.al-data {{ margin: -1rem 0 1.5rem; }}
details.al-data summary {{ cursor: pointer; color: #1a4f8b; }}
details.al-data summary:focus-visible {{ outline: 3px solid #1a4f8b; outline-offset: 2px; }}
.al-data-table caption {{ text-align: left; color: #444; padding: .4rem 0; max-width: 60rem; }}
@media print {{ .chart {{ break-inside: avoid; }} details.al-data {{ display: none; }} }}
"""


def html_page(
    charts: Sequence[ChartLike | dict[str, Any]],
    *,
    title: str = "alliance_lens",
    lang: str = "en",
    body_before: str = "",
    body_between: Sequence[str] = (),
    body_after: str = "",
) -> str:
    """A self-contained HTML page drawing ``charts`` (as SVG, so marks are in the DOM), all scripts inlined.

    ``body_before`` / ``body_after`` are trusted HTML put around the charts; ``body_between[i]`` goes just
    before chart ``i``; after each chart comes its data as a table (:func:`~alliance_lens.charts.data_details`).
    The JavaScript bundle travels once, whatever the number of charts.
    """
    from alliance_lens.charts.table import data_details, strip_table

    specs = [spec_of(c) for c in charts]
    blocks = []
    for i, spec in enumerate(specs):
        before = body_between[i] if i < len(body_between) else ""
        # each chart's data as a table beside it, for a screen reader and for anyone who wants the figures
        blocks.append(f'{before}<div class="chart" id="chart-{i}"></div>{data_details(spec, lang)}')
    specs = [strip_table(spec) for spec in specs]
    embed = script_json({"renderer": "svg", "actions": False})
    calls = "\n".join(
        f"vegaEmbed('#chart-{i}', {script_json(spec)}, {embed}).catch(function (e) {{"
        f" document.getElementById('chart-{i}').textContent = String(e); console.error(e); }});"
        for i, spec in enumerate(specs)
    )
    bundle = javascript_bundle().replace("</script", "<\\/script")
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{PAGE_CSS}</style>\n"
        f"<script>{bundle}</script>\n</head>\n<body>\n{body_before}\n"
        + "\n".join(blocks)
        + f"\n{body_after}\n<script>\n{calls}\n</script>\n</body>\n</html>\n"
    )


def to_html(chart: ChartLike | dict[str, Any], *, title: str = "alliance_lens", lang: str = "en") -> str:
    """The chart as a self-contained HTML page (works offline, from ``file://``)."""
    return html_page([chart], title=title, lang=lang)


NOTEBOOK_RENDERER: Final = "alliance_lens"


def enable_notebook_renderer() -> bool:
    """In a Jupyter kernel, draw charts shown the normal way with the offline ``alliance_lens`` renderer.

    Called when :mod:`alliance_lens.charts` is imported. Altair finds the renderer through its entry point
    (``alliance_lens.jupyter``, which is of the app layer: only a kernel imports it, and only here). Outside a
    kernel nothing changes. Returns whether the renderer is on.
    """
    import sys

    if "ipykernel" not in sys.modules:
        return False
    try:
        alt.renderers.enable(NOTEBOOK_RENDERER)
    except Exception:  # an install without the entry point's metadata: Altair's own renderer stays
        import logging

        logging.getLogger("alliance_lens.charts").warning("the alliance_lens notebook renderer is not installed")
        return False
    return True


def check_suffix(path: str | Path) -> str:
    """The lower-case suffix of ``path`` if we can write it; :class:`UnsupportedFormat` otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        shown = suffix or "no suffix"
        raise UnsupportedFormat(
            f"cannot write {str(path)!r}: {shown} is not a supported format; use one of {', '.join(SUFFIXES)}"
        )
    return suffix


def save(chart: ChartLike | dict[str, Any], path: str | Path) -> Path:
    """Write the chart to ``path`` in the format its suffix names (.html, .svg, .png, .pdf)."""
    out = Path(path)
    suffix = check_suffix(out)
    content: str | bytes
    if suffix == ".html":
        content = to_html(chart)
    elif suffix == ".svg":
        content = to_svg(chart)
    elif suffix == ".png":
        content = to_png(chart)
    else:
        content = to_pdf(chart)
    write_atomically(out, content)
    return out


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write the whole file or nothing: into a temporary file beside it, then renamed over it.

    A missing folder, or a write the system refuses (no permission, disk full), is a :class:`UserError` naming
    the file and folder the user gave, never the temporary file.
    """
    from alliance_lens.messages import tr

    if not path.parent.is_dir():
        raise UserError(tr("file.folder_missing", path=repr(str(path)), folder=repr(str(path.parent))))
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        else:
            tmp.write_bytes(content)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(tr("file.cannot_write", path=repr(str(path)), why=exc.strerror or type(exc).__name__)) from exc
