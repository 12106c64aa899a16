"""The simulation study of the patterns (bench/sim_patterns.py) runs, and its generator plants what it says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from alliance_lens.metrics import compute

BENCH = Path(__file__).resolve().parents[1] / "bench" / "sim_patterns.py"


@pytest.fixture(scope="module")
def sim() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sim_patterns", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sim_patterns"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_generated_alliances_have_the_promised_shape(sim: ModuleType) -> None:
    rng = np.random.default_rng(5)
    for i in range(3):
        data, truth = sim.generate(rng, i)
        n_s, n_p = len(data.sessions), len(data.partners)
        assert 6 <= n_s <= 25 and 4 <= n_p <= 8 and truth.n_sessions == n_s
        assert sorted(r for r in truth.role.values() if r != "steady") == sorted(set(truth.role.values()) - {"steady"})
        assert sum(r != "steady" for r in truth.role.values()) == 2
        scale = (float(data.alliances["trust_min"].iloc[0]), float(data.alliances["trust_max"].iloc[0]))
        assert scale in sim.SCALES
        per_org = data.trust_ratings.groupby(["session_id", "rater", "ratee"]).size()
        assert per_org.between(1, 3).all()
        compute(data, f"sim{i}")  # judged without error


@pytest.mark.slow
def test_the_study_counts_every_figure(sim: ModuleType) -> None:
    tally = sim.study(2, seed=3)
    for key in ("false_shock_per_steady_partner", "coverage_trust_90", "coverage_reliability_90"):
        assert tally.trials[key] > 0
    text, _ = sim.report(tally)
    assert "false_shock_per_steady_partner" in text and "coverage_trust_90" in text
