"""``alliance-lens import`` and ``alliance-lens export`` through the command line's entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_lens import cli, paths
from alliance_lens.interchange import read_path
from alliance_lens.store import Workspace


def test_import_export_reimport_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    assert cli.main(["import", str(paths.sample_data_dir()), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "imported alliance(s) ev-platform" in out and "trust ratings" in out

    assert cli.main(["export", "ev-platform", "--out", str(tmp_path / "out.xlsx"), "--db", db]) == 0
    assert cli.main(["export", "ev-platform", "--out", str(tmp_path / "out"), "--db", db]) == 0
    assert "exported alliance ev-platform" in capsys.readouterr().out

    sample = read_path(paths.sample_data_dir()).data
    for source in ("out.xlsx", "out"):
        other = f"sqlite:///{tmp_path / (source + '.sqlite')}"
        assert cli.main(["import", str(tmp_path / source), "--db", other]) == 0
        with Workspace.open(other, read_only=True) as ws:
            assert ws.load("ev-platform").equals(sample)


def test_import_uses_the_default_workspace(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(paths.sample_data_dir())]) == 0
    assert (isolated_home / "workspace.sqlite").is_file()


def test_importing_again_is_refused_unless_replace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    assert cli.main(["import", str(paths.sample_data_dir()), "--db", db]) == 0
    capsys.readouterr()
    assert cli.main(["import", str(paths.sample_data_dir()), "--db", db]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--replace" in err and "Traceback" not in err
    assert cli.main(["import", str(paths.sample_data_dir()), "--replace", "--db", db]) == 0
    assert "previous version is kept in the audit log" in capsys.readouterr().out


def sample_copy(folder: Path) -> Path:
    """The sample's CSV files copied into ``folder``, to be spoilt by a test."""
    folder.mkdir()
    for f in paths.sample_data_dir().glob("*.csv"):
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_bad_files_exit_non_zero_listing_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = sample_copy(tmp_path / "bad")
    ratings = (folder / "trust_ratings.csv").read_text(encoding="utf-8").splitlines()
    header = ratings[0].split(",")
    bad_rows = {3: "score", 7: "rater", 20: "session_id"}
    for line, column in bad_rows.items():
        cells = ratings[line - 1].split(",")
        cells[header.index(column)] = "99" if column == "score" else "nobody"
        ratings[line - 1] = ",".join(cells)
    (folder / "trust_ratings.csv").write_text("\n".join(ratings) + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    assert cli.main(["import", str(folder), "--db", db]) == 2
    err = capsys.readouterr().err
    for line, column in bad_rows.items():
        assert f"trust_ratings.csv row {line}, column {column}" in err
    assert "3 problems" in err and "nothing was imported" in err
    with Workspace.open(db, read_only=True) as ws:
        assert ws.alliances().empty


def test_export_of_an_unknown_alliance_or_workspace_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"sqlite:///{tmp_path / 'missing.sqlite'}"
    assert cli.main(["export", "x", "--out", str(tmp_path / "o"), "--db", missing]) == 2
    assert "no workspace" in capsys.readouterr().err
    assert not (tmp_path / "missing.sqlite").exists()
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    cli.main(["import", str(paths.sample_data_dir()), "--db", db])
    assert cli.main(["export", "nope", "--out", str(tmp_path / "o"), "--db", db]) == 2
    assert "no alliance 'nope'" in capsys.readouterr().err
    assert cli.main(["import", str(tmp_path / "nowhere"), "--db", db]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_every_problem_is_listed_even_a_hundred(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "alliances.csv").write_text("alliance_id,name\na,A\n", encoding="utf-8")
    lines = ["alliance_id,partner_id,name"] + [f"a,p{i},{'' if i % 2 else f'Name {i}'}" for i in range(200)]
    (folder / "partners.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli.main(["import", str(folder), "--db", f"sqlite:///{tmp_path / 'a.sqlite'}"]) == 2
    err = capsys.readouterr().err
    assert "100 problems" in err
    listed = [line for line in err.splitlines() if line.startswith("  - partners.csv row ")]
    assert len(listed) == 100 and listed[-1].startswith("  - partners.csv row 201, column name")


def test_import_with_lang_nl_says_everything_in_dutch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    sample = read_path(paths.sample_data_dir()).data
    assert cli.main(["import", str(paths.sample_data_dir()), "--lang", "nl", "--db", db]) == 0
    assert capsys.readouterr().out == (
        f"alliantie(s) ev-platform geïmporteerd: 1 alliantie, {len(sample.partners)} partners, "
        f"{len(sample.sessions)} bijeenkomsten, {len(sample.agreements)} afspraken, "
        f"{len(sample.outcomes)} uitkomsten, {len(sample.trust_ratings)} vertrouwensscores\n"
    )
    assert cli.main(["import", str(paths.sample_data_dir()), "--lang", "nl", "--db", db]) == 2
    assert capsys.readouterr().err == (
        "alliance-lens import: alliantie 'ev-platform' bestaat al in de werkruimte: er is niets geïmporteerd. "
        "Gebruik --replace (replace=True) om haar te vervangen; de huidige versie blijft dan terug te halen uit "
        "het auditlogboek\n"
    )
    assert cli.main(["import", str(paths.sample_data_dir()), "--replace", "--lang", "nl", "--db", db]) == 0
    assert "\nev-platform vervangen; de vorige versie blijft bewaard in het auditlogboek (wijziging " in (
        capsys.readouterr().out
    )


def test_one_bad_row_in_dutch_and_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = sample_copy(tmp_path / "bad")
    ratings = (folder / "trust_ratings.csv").read_text(encoding="utf-8").splitlines()
    cells = ratings[1].split(",")
    cells[4] = "99"  # the score of CSV line 2 (the header is line 1), on a scale of 1 to 10
    ratings[1] = ",".join(cells)
    (folder / "trust_ratings.csv").write_text("\n".join(ratings) + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    assert cli.main(["import", str(folder), "--lang", "nl", "--db", db]) == 2
    assert capsys.readouterr().err == (
        "alliance-lens import: er is niets geïmporteerd: 1 probleem:\n"
        "  - trust_ratings.csv rij 2, kolom score (waarde 99): de vertrouwensscore 99 valt buiten de schaal 1–10 "
        "van deze alliantie\n"
    )
    assert cli.main(["import", str(folder), "--db", db]) == 2
    assert capsys.readouterr().err == (
        "alliance-lens import: nothing was imported: 1 problem:\n"
        "  - trust_ratings.csv row 2, column score (value 99): the trust score 99 is outside this alliance's "
        "scale 1–10\n"
    )
    with Workspace.open(db, read_only=True) as ws:
        assert ws.alliances().empty
