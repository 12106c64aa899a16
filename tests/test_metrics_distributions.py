"""The metrics' quantiles are SciPy's: the special functions give exactly what scipy.stats gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import stats

from alliance_lens.metrics import distributions as dist


def test_quantiles_match_scipy_stats() -> None:
    q = np.array([0.025, 0.05, 0.5, 0.95, 0.975])
    a = np.array([0.5, 1.0, 3.0, 12.5, 200.0])
    b = np.array([4.0, 1.0, 0.7, 30.0, 2.0])
    np.testing.assert_allclose(dist.beta_ppf(q, a, b), stats.beta.ppf(q, a, b), rtol=1e-10)
    np.testing.assert_allclose(dist.norm_ppf(q), stats.norm.ppf(q), rtol=1e-12)
    df = np.array([1.0, 2.0, 5.0, 30.0, 400.0])
    np.testing.assert_allclose(dist.t_ppf(q, df), stats.t.ppf(q, df), rtol=1e-9)


def test_a_dashboard_kernel_does_not_need_scipy_stats() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from alliance_lens.metrics import compute; from alliance_lens.synth import generate_sample;"
        "d = generate_sample(); compute(d, d.alliances['alliance_id'][0]);"
        "print('scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_t_cdf_is_scipy_stats_t_cdf() -> None:
    x = np.array([-40.0, -2.5, -0.1, 0.0, 1.0, 3.0])
    df = np.array([1.0, 2.0, 5.0, 30.0, 400.0, 3.0])
    np.testing.assert_allclose(dist.t_cdf(x, df), stats.t.cdf(x, df), rtol=1e-10)


def test_importing_the_analyst_modules_does_not_import_scipy_or_vl_convert() -> None:
    """SciPy's special functions load on the first metrics computation, not with ``import alliance_lens.metrics``;
    vl-convert (an 88 MB library) on the first static rendering, not with ``import alliance_lens.charts``.

    And no layer hides a package from the whole process to make its import cheaper (the app once did that
    to ``rfc3987_syntax``, breaking jsonschema's "iri" format check for every later user of the kernel).
    """
    import subprocess
    import sys

    code = (
        "import sys, alliance_lens.app; hidden = [name for name, module in sys.modules.items() if module is None];"
        "import alliance_lens.store, alliance_lens.metrics, alliance_lens.charts;"
        "print('scipy' in sys.modules); print(hidden); print('vl_convert' in sys.modules);"
        "from alliance_lens.charts import render; render.vegalite_version(); print('vl_convert' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:4] == ["False", "[]", "False", "True"]


def test_sqlalchemy_is_imported_when_a_workspace_opens_not_with_the_store(tmp_path: Path) -> None:
    """An analyst who reads an interchange file never pays SQLAlchemy's import; ``Workspace.open`` does."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'ws.db'}"
    code = (
        "import sys; import alliance_lens.store, alliance_lens.metrics, alliance_lens.charts;"
        "from alliance_lens.store import ReadOnlyError, SchemaError, UnknownAlliance, Workspace;"
        "print('sqlalchemy' in sys.modules);"
        f"ws = Workspace.open({url!r}); print('sqlalchemy' in sys.modules);"
        "print(ws.schema_version == alliance_lens.store.SCHEMA_VERSION == 2); ws.close()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:3] == ["False", "True", "True"]
