"""The metrics layer: reliability, trust, their contrast and the patterns in it.

Pure functions from an alliance's record (:class:`~alliance_lens.model.AllianceData`) to pandas frames.
No widgets, no database.

Entry point: :func:`compute` → :class:`Metrics`. Every threshold lives in :class:`MetricsConfig`; the method is
explained for facilitators in ``docs/metrics.md``.
"""

from __future__ import annotations

from alliance_lens.metrics.config import MetricsConfig
from alliance_lens.metrics.core import Metrics, UnknownAllianceInData, agreement_status, compute
from alliance_lens.metrics.patterns import STATES
from alliance_lens.metrics.trust import normalise_scores

__all__ = [
    "STATES",
    "Metrics",
    "MetricsConfig",
    "UnknownAllianceInData",
    "agreement_status",
    "compute",
    "normalise_scores",
]
