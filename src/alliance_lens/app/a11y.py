"""What the page needs for a screen reader and the keyboard beyond ipywidgets (``a11y.js``), invisible.

An outcome button's accessible name names its agreement, a rating cell's input is named by its cell, and focus
stays in the outcome list after a click removes a row. Python sets the names as tooltips; the page copies them.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets


class PageHelper(anywidget.AnyWidget):
    """Invisible: names controls from their tooltips and keeps focus in place in the outcome list."""

    _esm = traitlets.Unicode((Path(__file__).with_name("a11y.js")).read_text(encoding="utf-8")).tag(sync=True)
