"""`alliance-lens report ALLIANCE --out FILE`: from the workspace, read-only, in the alliance's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_lens.cli import main
from alliance_lens.synth import SAMPLE_ALLIANCE_ID


@pytest.fixture
def workspace_with_sample(sample_url: str) -> str:
    return sample_url


def test_report_command_writes_html_and_pdf(
    workspace_with_sample: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ev.html"
    assert main(["report", SAMPLE_ALLIANCE_ID, "--out", str(out), "--db", workspace_with_sample]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Meridian Motors" in page and "As of 2026-08-25" in page
    assert str(out) in capsys.readouterr().out
    pdf = tmp_path / "ev.pdf"
    assert main(["report", SAMPLE_ALLIANCE_ID, "--out", str(pdf), "--lang", "nl", "--db", workspace_with_sample]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_report_command_refuses_clearly(
    workspace_with_sample: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", SAMPLE_ALLIANCE_ID, "--out", str(tmp_path / "ev.docx"), "--db", workspace_with_sample]) == 2
    assert ".docx is not a supported format" in capsys.readouterr().err
    assert main(["report", "no-such-alliance", "--out", str(tmp_path / "x.html"), "--db", workspace_with_sample]) == 2
    assert "no-such-alliance" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob("*.docx"))
