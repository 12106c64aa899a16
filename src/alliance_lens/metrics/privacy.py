"""What a screen in the room or a client link may show: nothing that gives away one person's rating.

The metrics keep every figure (an analyst may need them); the faces that show them to the partners — the
facilitator's dashboard on the projector, the client pages — show :func:`hide_below_floor`'s copy instead.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from alliance_lens.metrics.core import Metrics

#: Trend columns that are a partner's received trust, or derived from it.
TRUST_COLUMNS: tuple[str, ...] = ("trust", "trust_low", "trust_high", "gap")
#: Trust-matrix columns that are one rater's trust in one ratee, or derived from it.
MATRIX_VALUES: tuple[str, ...] = ("trust", "change")


def hide_below_floor(metrics: Metrics) -> Metrics:
    """The metrics with every figure resting on fewer respondents than the anonymity floor removed.

    Dyads under the floor keep their row in the trust matrix but lose their figures; a partner's trust (and
    its interval and gap) in a period where fewer respondents than the floor rated it becomes NaN, so a lone
    phone's answer is never drawn.
    """
    if not isinstance(metrics, Metrics):  # a stand-in from a test or a custom compute hook: nothing to hide
        return metrics
    matrix = metrics.trust_matrix
    if "below_floor" in matrix.columns:
        # the rows stay, so a chart can still say "not enough answers yet" where a figure would be
        hidden = matrix["below_floor"].fillna(True).to_numpy(dtype=bool)
        if hidden.any():
            matrix = matrix.copy()
            for column in MATRIX_VALUES:
                if column in matrix.columns:
                    matrix[column] = matrix[column].where(~hidden, np.nan)
    trends = metrics.trends
    if "trust_below_floor" in trends.columns:
        below = trends["trust_below_floor"].fillna(False).to_numpy(dtype=bool)
        if below.any():
            trends = trends.copy()
            for column in TRUST_COLUMNS:
                if column in trends.columns:
                    trends[column] = trends[column].where(~below, np.nan)
    return dataclasses.replace(metrics, trust_matrix=matrix, trends=trends)
