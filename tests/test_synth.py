"""The generated alliances: the sample a facilitator sees first, and the large one the benchmarks use."""

from __future__ import annotations

import pandas as pd
import pytest

from alliance_lens import paths
from alliance_lens.model import AGREEMENT_KINDS, OUTCOME_STATUSES, AllianceData
from alliance_lens.synth import SAMPLE_ALLIANCE_ID, generate_large, generate_sample


@pytest.fixture(scope="module")
def sample() -> AllianceData:
    return generate_sample()


def test_sample_is_deterministic(sample: AllianceData) -> None:
    assert sample.equals(generate_sample())
    assert not sample.equals(generate_sample(seed=8))


def test_sample_has_the_shape_the_issue_asks_for(sample: AllianceData) -> None:
    assert list(sample.alliances["alliance_id"]) == [SAMPLE_ALLIANCE_ID]
    assert 4 <= len(sample.partners) <= 5
    assert 8 <= len(sample.sessions) <= 12
    span = sample.sessions["date"].max() - sample.sessions["date"].min()
    assert pd.Timedelta(days=16 * 30) <= span <= pd.Timedelta(days=20 * 30)
    assert "dialogue" in set(sample.sessions["kind"])
    assert len(sample.agreements) >= 60
    assert set(sample.agreements["kind"]) == set(AGREEMENT_KINDS)
    assert set(sample.outcomes["status"]) == set(OUTCOME_STATUSES)
    assert sample.partners["goals_shared_on"].notna().any() and sample.partners["goals_shared_on"].isna().any()


def test_sample_has_open_agreements_some_overdue(sample: AllianceData) -> None:
    last = sample.sessions["date"].max()
    open_ = sample.agreements[~sample.agreements["agreement_id"].isin(sample.outcomes["agreement_id"])]
    assert (open_["due_on"] < last).any(), "some open agreement should be overdue at the last session"
    assert (open_["due_on"] > last).any(), "some open agreement should fall due after the last session"


def test_sample_has_ratings_at_every_session_from_several_respondents(sample: AllianceData) -> None:
    r = sample.trust_ratings
    assert set(r["session_id"]) == set(sample.sessions["session_id"])
    per_rater = r.groupby(["session_id", "rater", "ratee"])["respondent"].nunique()
    assert per_rater.max() >= 3
    assert (per_rater < 3).any(), "one partner sends fewer than 3 respondents: the anonymity floor shows"
    scale = sample.alliances.iloc[0]
    assert r["score"].between(scale["trust_min"], scale["trust_max"]).all()


def test_committed_sample_data_is_what_the_generator_makes(sample: AllianceData) -> None:
    from alliance_lens.interchange import read_path

    result = read_path(paths.sample_data_dir())
    assert result.data.equals(sample), "run scripts/make_sample_data.py and commit sample_data/"


def test_large_alliance_has_the_promised_size() -> None:
    large = generate_large()
    assert len(large.partners) == 20
    assert len(large.sessions) == 120
    assert len(large.agreements) == 25_000
    assert len(large.trust_ratings) == 140_000
    assert (large.trust_ratings["rater"] != large.trust_ratings["ratee"]).all()
    assert (large.agreements["due_on"] >= large.agreements["made_on"]).all()
    assert large.agreements["agreement_id"].is_unique
    assert large.outcomes["agreement_id"].isin(large.agreements["agreement_id"]).all()
