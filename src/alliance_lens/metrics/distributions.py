"""The quantile functions the metrics need, from SciPy's special functions.

``scipy.stats`` computes these very quantiles through ``scipy.special`` (``beta.ppf`` is ``betaincinv``,
``norm.ppf`` is ``ndtri``, ``t.ppf`` is ``stdtrit``), but importing ``scipy.stats`` costs every dashboard
kernel ~45 MB more memory and ~0.5 s more start-up. The tests check these against ``scipy.stats``.
``scipy.special`` itself is imported on the first call (~0.1 s that ``import alliance_lens.metrics``
need not pay: the store and the charts never call these).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def beta_ppf(q: Any, a: Any, b: Any) -> Any:
    """Quantile ``q`` of Beta(a, b), like ``scipy.stats.beta.ppf(q, a, b)``."""
    from scipy import special

    return special.betaincinv(a, b, q)


def norm_ppf(q: Any) -> Any:
    """Quantile ``q`` of the standard normal, like ``scipy.stats.norm.ppf(q)``."""
    from scipy import special

    return special.ndtri(q)


def t_ppf(q: Any, df: Any) -> Any:
    """Quantile ``q`` of Student's t with ``df`` degrees of freedom, like ``scipy.stats.t.ppf(q, df)``."""
    from scipy import special

    return special.stdtrit(np.asarray(df, dtype=float), q)


def t_cdf(x: Any, df: Any) -> Any:
    """Student's t distribution function at ``x`` with ``df`` degrees of freedom, like ``scipy.stats.t.cdf``."""
    from scipy import special

    return special.stdtr(df, x)
