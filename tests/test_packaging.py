"""A plain (not editable) install carries the notebooks, the sample data and the Voilà template."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("alliance_lens-*.whl")
    return built


def test_the_wheel_holds_what_the_console_script_needs(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "alliance_lens/notebooks/facilitator.ipynb",
        "alliance_lens/notebooks/client.ipynb",
        "alliance_lens/notebooks/analysis.ipynb",
        "alliance_lens/sample_data/alliances.csv",
        "alliance_lens/sample_data/trust_ratings.csv",
        "alliance_lens/voila_templates/nbconvert/templates/alliance_lens/index.html.j2",
        "alliance_lens/py.typed",
    ):
        assert needed in names, needed
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "alliance-lens = alliance_lens.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_an_installed_wheel_finds_its_files_from_any_folder(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "from alliance_lens import paths; from alliance_lens.interchange import read_path;"
        "print(paths.notebooks_dir()); print(len(read_path(paths.sample_data_dir()).data.agreements))"
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd="/", env=env, check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert Path(out[0]) == target / "alliance_lens" / "notebooks"
    assert int(out[1]) > 60
