"""Every command finds its workspace the same way: ``--db``, then ``ALLIANCE_LENS_DB``, then the default file.

Before, ``import``, ``export`` and ``trends`` ignored ``ALLIANCE_LENS_DB`` and wrote to (or read from) the file
under ``$ALLIANCE_LENS_HOME`` while ``share`` used the URL: sensitive data in the wrong file. Each test sets only
the environment variable and checks that the command worked on that workspace and never made the default file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from alliance_lens import cli, links, paths
from alliance_lens.interchange import read_path
from alliance_lens.store import Workspace
from alliance_lens.synth import SAMPLE_ALLIANCE_ID, generate_sample


@pytest.fixture
def env_db(sample_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``ALLIANCE_LENS_DB`` names a copy of the sample workspace; the default file does not exist."""
    copy = tmp_path / "from_env.sqlite"
    shutil.copy(sample_file, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("ALLIANCE_LENS_DB", url)
    return url


def _default_file(home: Path) -> Path:
    return home / "workspace.sqlite"


def test_import_writes_to_the_workspace_of_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "env.sqlite"
    monkeypatch.setenv("ALLIANCE_LENS_DB", f"sqlite:///{target}")
    assert cli.main(["import", str(paths.sample_data_dir())]) == 0
    with Workspace.open(f"sqlite:///{target}", read_only=True) as ws:
        assert ws.load(SAMPLE_ALLIANCE_ID).equals(read_path(paths.sample_data_dir()).data)
    assert not _default_file(isolated_home).exists()


def test_the_flag_wins_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_target, flag_target = tmp_path / "env.sqlite", tmp_path / "flag.sqlite"
    monkeypatch.setenv("ALLIANCE_LENS_DB", f"sqlite:///{env_target}")
    assert cli.main(["import", str(paths.sample_data_dir()), "--db", f"sqlite:///{flag_target}"]) == 0
    assert flag_target.is_file()
    assert not env_target.exists() and not _default_file(isolated_home).exists()


def test_export_reads_the_workspace_of_the_environment(
    env_db: str, tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["export", SAMPLE_ALLIANCE_ID, "--out", str(tmp_path / "out")]) == 0
    assert read_path(tmp_path / "out").data.equals(generate_sample())
    assert not _default_file(isolated_home).exists()


@pytest.mark.parametrize("command", ["trends", "patterns"])
def test_metrics_read_the_workspace_of_the_environment(
    command: str, env_db: str, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([command, SAMPLE_ALLIANCE_ID, "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    partners = set(generate_sample().partners["partner_id"])
    assert records and {r["partner"] for r in records} <= partners
    assert not _default_file(isolated_home).exists()


def test_report_reads_the_workspace_of_the_environment(
    env_db: str, tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert cli.main(["report", SAMPLE_ALLIANCE_ID, "--out", str(out)]) == 0
    assert out.is_file() and "<html" in out.read_text(encoding="utf-8")
    assert not _default_file(isolated_home).exists()


def test_share_and_revoke_use_the_workspace_of_the_environment(
    env_db: str, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["share", SAMPLE_ALLIANCE_ID]) == 0
    url = capsys.readouterr().out.strip()
    token = links.token_from_query(url.partition("?")[2])
    assert token is not None
    info = links.verify(token, db_url=env_db)
    assert info.alliance_id == SAMPLE_ALLIANCE_ID
    assert cli.main(["revoke", info.link_id]) == 0
    with pytest.raises(links.LinkError) as refused:
        links.verify(token, db_url=env_db)
    assert refused.value.reason == "revoked"
    assert not _default_file(isolated_home).exists()
