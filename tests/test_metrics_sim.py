"""The simulation study of the patterns (bench/sim_patterns.py) runs, and its generator plants what it says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from alliance_lens.metrics import MetricsConfig, compute

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


def _row(**values: object) -> dict[str, object]:
    """A partner's state row as the study reads it: blind trust by default, each figure on its side of a line."""
    row: dict[str, object] = {
        "state": "mixed",
        "n_agreements": 15,
        "n_kept": 7,
        "reliability": 0.49,
        "reliability_low": 0.30,
        "reliability_high": 0.69,
        "trust": 0.80,
        "trust_low": 0.70,
        "trust_high": 0.90,
    }
    row.update(values)
    return row


def test_a_missed_state_is_put_down_to_the_first_condition_that_failed(sim: ModuleType) -> None:
    config = MetricsConfig()
    why = sim.state_miss_reason
    assert why("blind_trust", _row(state="not_enough_data"), config) == "not_enough_data"
    # the window's figures support it, but its newest settled periods alone had turned (recent_periods)
    assert why("blind_trust", _row(n_kept=8, evidence={"turned": True}), config) == "newest_record"
    assert why("blind_trust", _row(n_kept=8, evidence={"turned": False}), config) == "reliability_record"
    # The record itself: 8 of 15 kept (53 %) is above the 50 % line; 7 of 14 (50 %) is on it, not above.
    assert why("blind_trust", _row(n_kept=8), config) == "reliability_record"
    assert why("blind_trust", _row(n_kept=7, n_agreements=14), config) == "other"
    assert why("blind_trust", _row(n_kept=7, n_agreements=14, trust=0.64), config) == "trust_estimate"
    # 7 of 15 kept (47 %), but shrunk toward the alliance's rate the estimate is 0.516: above the line.
    assert why("blind_trust", _row(reliability=0.516), config) == "reliability_shrunk"
    assert why("blind_trust", _row(reliability=0.50, reliability_high=0.70), config) == "reliability_interval"
    assert why("blind_trust", _row(reliability=0.50, reliability_high=0.6999), config) == "other"
    # Trust: the estimate at the 65 % line is high; its interval must stay above 45 %.
    assert why("blind_trust", _row(trust=0.65, trust_low=0.4501), config) == "other"
    assert why("blind_trust", _row(trust=0.65, trust_low=0.45), config) == "trust_interval"
    # A high-reliability story: 10 of 15 (67 %) is below the 70 % line; the interval must stay above 50 %.
    high = _row(n_kept=11, reliability=0.72, reliability_low=0.50, trust=0.30, trust_low=0.2, trust_high=0.44)
    assert why("trust_lags", high, config) == "reliability_interval"
    assert why("trust_lags", {**high, "n_kept": 10}, config) == "reliability_record"
    assert why("trust_lags", {**high, "reliability_low": 0.51}, config) == "other"
    assert why("trust_lags", {**high, "reliability_low": 0.51, "trust_high": 0.65}, config) == "trust_interval"


def test_a_missed_shock_is_put_down_to_the_first_condition_of_the_paired_test_that_failed(sim: ModuleType) -> None:
    config = MetricsConfig()
    why = sim.shock_miss_reason
    test = {"n_shared_raters": 2, "n_respondents_before": 3, "n_respondents_after": 3, "drop": 0.20, "p_value": 0.01}
    assert why(None, config) == "shared_raters"
    assert why({**test, "n_shared_raters": 1}, config) == "shared_raters"
    assert why({**test, "n_respondents_after": 2}, config) == "respondents"
    assert why({**test, "n_respondents_before": 2}, config) == "respondents"
    assert why({**test, "drop": 0.1999}, config) == "drop"
    assert why({**test, "p_value": 0.0101}, config) == "p_value"
    assert why(test, config) == "other"  # every condition met: missed for want of a breach


def test_a_replanted_change_keeps_the_alliance_and_changes_only_the_partners_truth(sim: ModuleType) -> None:
    spec = importlib.util.spec_from_file_location("sim_changes", BENCH.parent / "sim_changes.py")
    assert spec is not None and spec.loader is not None
    changes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(changes)
    plain, truth = sim.generate(np.random.default_rng(5), 0)
    replanted, new = sim.generate(np.random.default_rng(5), 0, changes.replanter("decline", 3))
    # The replant draws nothing: the same sessions, partners and ratings' layout (only outcomes and scores follow
    # the new truth).
    assert plain.sessions.equals(replanted.sessions) and plain.partners.equals(replanted.partners)
    p = next(q for q in new.role if new.role[q] == "decline")
    n = new.n_sessions
    assert list(new.reliability[p]) == [0.85] * (n - 3) + [0.30] * 3
    assert set(new.trust[p]) == {0.80} and new.effect[p] == "3"
    others = [q for q in truth.role if q != p]
    assert all(list(truth.reliability[q]) == list(new.reliability[q]) for q in others)


@pytest.mark.slow
def test_the_change_study_counts_each_rule_at_each_k(sim: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("sim_changes", BENCH.parent / "sim_changes.py")
    assert spec is not None and spec.loader is not None
    changes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(changes)
    assert changes.main(["--alliances", "2"]) == 0
    out = capsys.readouterr().out
    assert "sim_changes: 2 alliances per kind, seed 11" in out
    for rule in changes.RULES:
        assert out.count(rule) == 2  # once per kind
    # Two alliances: k = 2 and k = 3, one each; the other columns empty.
    assert "0/0" in out and ("1/1" in out or "0/1" in out)


def test_study_settings_are_parsed_to_their_types_and_bad_ones_named(sim: ModuleType) -> None:
    assert sim.parse_settings(["await_outcome=False", "evidence_agreements=25", "evidence_change_alpha=0.01"]) == {
        "await_outcome": False,  # not bool("False"), which is True
        "evidence_agreements": 25,
        "evidence_change_alpha": 0.01,
    }
    with pytest.raises(ValueError, match=r"^--set nosuch=1: 'nosuch' is not a MetricsConfig setting"):
        sim.parse_settings(["nosuch=1"])
    with pytest.raises(ValueError, match=r"^--set evidence_agreements=x: evidence_agreements takes a whole number"):
        sim.parse_settings(["evidence_agreements=x"])
    with pytest.raises(ValueError, match=r"^--set await_outcome=maybe: await_outcome takes True or False, not"):
        sim.parse_settings(["await_outcome=maybe"])
