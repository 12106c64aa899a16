"""alliance_lens: steer an alliance on reliability (agreements kept) while trust (a feeling) grows.

Layers, each depending only on those before it: :mod:`~alliance_lens.model`, :mod:`~alliance_lens.store`,
:mod:`~alliance_lens.metrics`, :mod:`~alliance_lens.charts`, :mod:`~alliance_lens.app`, and the command line.
Nothing below ``app`` imports ipywidgets or IPython.
"""

from __future__ import annotations

__version__ = "0.1.0"
