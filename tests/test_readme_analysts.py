"""The README's block for analysts runs as written on a fresh machine (an empty home), and the package's faces."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _analyst_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For analysts", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    return str(blocks[0])


@pytest.mark.slow
def test_the_readme_block_for_analysts_runs_as_written(tmp_path: Path, isolated_home: Path) -> None:
    code = (
        _analyst_block() + "\nprint(len(m.trends), sorted(p.name for p in __import__('pathlib').Path('.').iterdir()))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_LENS_")}
    env["ALLIANCE_LENS_HOME"] = str(isolated_home)  # empty: nothing recorded on this machine yet
    work = tmp_path / "work"
    work.mkdir()
    run = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith("['contrast.pdf']")
    assert (work / "contrast.pdf").read_bytes().startswith(b"%PDF")
    assert not (isolated_home / "workspace.sqlite").exists()  # the analyst's own workspace was not created


def test_python_m_alliance_lens_is_the_command_line() -> None:
    run = subprocess.run([sys.executable, "-m", "alliance_lens", "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("usage: alliance-lens")


def test_the_license_is_the_one_pyproject_names() -> None:
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_saving_into_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    import altair as alt
    import pandas as pd

    from alliance_lens.charts import render
    from alliance_lens.model import UserError

    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")
    with pytest.raises(UserError) as info:
        render.save(chart, tmp_path / "out" / "c.svg")
    assert (
        str(info.value)
        == f"cannot write '{tmp_path / 'out' / 'c.svg'}': the folder '{tmp_path / 'out'}' does not exist"
    )
    assert not (tmp_path / "out").exists()  # nothing created, not even a temporary file
