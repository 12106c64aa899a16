"""``alliance-lens trends`` and ``alliance-lens patterns`` as scripts and people use them."""

from __future__ import annotations

import json
import re

import pytest

from alliance_lens.cli import main
from alliance_lens.metrics import compute
from alliance_lens.store import Workspace
from alliance_lens.synth import SAMPLE_ALLIANCE_ID, generate_sample

CONTRACT_TRENDS = {
    "partner",
    "period_end",
    "reliability",
    "reliability_low",
    "reliability_high",
    "trust",
    "trust_low",
    "trust_high",
    "n_agreements",
    "n_ratings",
}
CONTRACT_PATTERNS = {"partner", "pattern", "session_id", "explanation"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('ws') / 'workspace.sqlite'}"
    ws = Workspace.open(url)
    try:
        ws.import_data(generate_sample())
    finally:
        ws.close()
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_trends_json_is_what_the_contract_promises(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trends", SAMPLE_ALLIANCE_ID, "--json", "--db", db)
    assert code == 0
    rows = json.loads(out)
    data = generate_sample()
    assert len(rows) == len(data.partners) * len(data.sessions)
    for r in rows:
        assert set(r) >= CONTRACT_TRENDS
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["period_end"])
        for k in ("reliability", "reliability_low", "reliability_high", "trust", "trust_low", "trust_high"):
            assert r[k] is None or 0.0 <= r[k] <= 1.0
        assert (r["reliability"] is None) == (r["n_agreements"] == 0)
    # The same figures as the library computes.
    m = compute(data, SAMPLE_ALLIANCE_ID)
    last = m.trends[(m.trends["partner"] == "nordwagen") & (m.trends["period_id"] == "S11")].iloc[0]
    mine = next(r for r in rows if r["partner"] == "nordwagen" and r["period_id"] == "S11")
    assert mine["reliability"] == pytest.approx(last["reliability"], abs=1e-4)
    assert mine["trust"] == pytest.approx(last["trust"], abs=1e-4)


def test_patterns_json_lists_the_stories(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "patterns", SAMPLE_ALLIANCE_ID, "--json", "--db", db)
    assert code == 0
    rows = json.loads(out)
    for r in rows:
        assert set(r) >= CONTRACT_PATTERNS
        assert r["pattern"] in {"earned_trust", "trust_lags", "blind_trust", "distrust", "trust_shock"}
    found = {(r["partner"], r["pattern"]) for r in rows}
    assert found == {
        ("nordwagen", "trust_lags"),
        ("meridian", "blind_trust"),
        ("vantage", "trust_shock"),
        ("solara", "earned_trust"),
    }
    shock = next(r for r in rows if r["pattern"] == "trust_shock")
    assert shock["session_id"] == "S07" and "A900" in shock["explanation"]


def test_readable_patterns_say_who_has_too_little_data(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "patterns", SAMPLE_ALLIANCE_ID, "--db", db)
    assert code == 0
    assert "Too little data to judge" in out and "Kestrel Cells" in out
    assert "No clear state" in out and "Vantage Automobiles" in out
    # each pattern by its name in words (its key is in --json), with the session
    assert "\n- Meridian Motors: Blind trust (S11)\n" in out and "\n- Vantage Automobiles: Trust shock (S07)\n" in out
    code, out_nl, _ = run(capsys, "patterns", SAMPLE_ALLIANCE_ID, "--lang", "nl", "--db", db)
    assert code == 0 and "Te weinig gegevens" in out_nl and "Vertrouwen komt te voet" in out_nl
    assert out_nl.startswith("Patronen in ") and "\n- Meridian Motors: Blind vertrouwen (S11)\n" in out_nl
    assert "blind_trust" not in out + out_nl


def test_readable_trends_is_a_table_with_names(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trends", SAMPLE_ALLIANCE_ID, "--db", db)
    assert code == 0
    lines = out.splitlines()
    assert "reliability" in lines[1] and "trust" in lines[1]
    assert sum("Solara Cars" in line for line in lines) == len(generate_sample().sessions)
    # the raters (rating organisations, what the trust interval counts) beside the ratings
    assert lines[1].split()[-3:] == ["ratings", "raters", "gap"]
    meridian = next(line for line in lines if line.startswith("Meridian Motors") and " S11 " in line)
    assert meridian.split()[-3:] == ["12", "4", "+46"]


def test_unknown_alliance_is_a_clear_error(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "trends", "no-such-alliance", "--json", "--db", db)
    assert code == 2 and out == ""
    assert "no-such-alliance" in err and "Traceback" not in err


def test_trends_json_fields_follow_the_trend_columns(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    from alliance_lens.metrics.commands import TREND_JSON
    from alliance_lens.metrics.core import TREND_COLUMNS

    # Derived, not restated: every trend column in its order, the session beside the period, then two flags.
    assert TREND_JSON == [
        "partner",
        "partner_name",
        "period_id",
        "session_id",
        "period_end",
        "reliability",
        "reliability_low",
        "reliability_high",
        "n_agreements",
        "trust",
        "trust_low",
        "trust_high",
        "n_ratings",
        "n_raters",
        "n_respondents",
        "gap",
        "goals_shared",
        "trust_below_floor",
    ]
    assert [c for c in TREND_JSON if c in TREND_COLUMNS] == TREND_COLUMNS
    _, out, _ = run(capsys, "trends", SAMPLE_ALLIANCE_ID, "--json", "--db", db)
    assert list(json.loads(out)[0]) == TREND_JSON
