"""Charts of reliability against trust: pure functions from ``Metrics`` frames to Altair charts.

Importing this package registers and enables the ``alliance_lens`` theme, and in a Jupyter kernel the
offline ``alliance_lens`` renderer (:mod:`alliance_lens.jupyter`): charts draw in JupyterLab without internet.
Every function takes a ``Metrics`` object (or the one frame it draws) and ``lang`` (``en`` or ``nl``) and
returns an Altair chart that analysts can layer, filter and restyle: a ``LayerChart``, except
:func:`contrast_chart`, a :class:`ContrastChart` (one ``LayerChart`` per partner, which ``+`` layers onto and
``.properties(width=…)`` resizes). Each chart carries a one-line ``description`` (a screen reader's text for
it) and :func:`data_table` gives its data as an HTML table; :mod:`alliance_lens.charts.render` writes them to
files offline.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from alliance_lens.charts import render, theme
from alliance_lens.charts.detail import (
    agreement_timeline_chart,
    asymmetry_chart,
    lead_lag_chart,
    reciprocity_chart,
    trust_matrix_chart,
)
from alliance_lens.charts.table import data_details, data_table
from alliance_lens.charts.trends import (
    ContrastChart,
    alliance_contrast_chart,
    contrast_chart,
    contrast_layer,
    quadrant_chart,
    quadrant_of,
)

#: A chart function of this package: ``Metrics`` (and ``lang=``) to an Altair chart.
ChartFunction = Callable[..., Any]


def chart_of(function: ChartFunction | str) -> ChartFunction:
    """``function`` itself, or the chart function of this package of that name (a hook may name it).

    :class:`LookupError` if this package has no chart function of that name.
    """
    if not isinstance(function, str):
        return function
    found: ChartFunction | None = (
        getattr(sys.modules[__name__], function, None) if function.endswith("_chart") else None
    )
    if not callable(found):
        raise LookupError(f"alliance_lens.charts has no chart function {function!r}")
    return found


render.enable_notebook_renderer()  # in a Jupyter kernel, charts shown as a cell's last expression draw offline

__all__ = [
    "ChartFunction",
    "ContrastChart",
    "agreement_timeline_chart",
    "alliance_contrast_chart",
    "asymmetry_chart",
    "chart_of",
    "contrast_chart",
    "contrast_layer",
    "data_details",
    "data_table",
    "lead_lag_chart",
    "quadrant_chart",
    "quadrant_of",
    "reciprocity_chart",
    "theme",
    "trust_matrix_chart",
]
