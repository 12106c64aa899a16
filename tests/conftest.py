"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import vega_cache
from alliance_lens import synth
from alliance_lens.config import LensConfig
from alliance_lens.model import AllianceData
from alliance_lens.store import Workspace


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``, scripts/test.sh): every browser test on one worker, one after the
    other, and every other test file whole on any worker.

    Two browser modules at once (two Voila servers, their kernels and two Chromiums on 2 cores) made a page miss
    anywidget's fixed 2 s to initialise a widget's model ("[anywidget] Failed to initialize model."), which the
    page guard rightly fails; the suite in one process never did.
    """
    for item in items:
        group = "browser" if "tests/browser" in item.path.as_posix() else item.path.name
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session", autouse=True)
def shared_vega_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding the one Vega bundle this run builds (tests/vega_cache.py).

    Under pytest-xdist the workers' temporary folders share a parent: one bundle for the whole run, its build
    atomic (``charts.bundle.cached_bundle``), so two workers building it at once both end with the same file.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.getbasetemp().parent / "shared-vega-bundle"
    else:
        folder = tmp_path_factory.mktemp("shared-vega-bundle")
    vega_cache.set_folder(folder)
    return folder


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_vega_bundle: Path) -> Iterator[Path]:
    """Every test gets its own workspace folder: no test ever touches ``~/.alliance_lens``."""
    home = tmp_path / "alliance_lens_home"
    home.mkdir()
    # no setting of the machine running the suite leaks in (a CI runner's ALLIANCE_LENS_DB, say)
    for var in LensConfig.env_names().values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ALLIANCE_LENS_HOME", str(home))
    vega_cache.share_into(home)
    yield home
    vega_cache.keep_from(home)


@pytest.fixture(scope="session")
def sample_data() -> AllianceData:
    """The sample alliance (``synth.generate_sample()``), made once per run; copy it before changing it."""
    return synth.generate_sample()


@pytest.fixture(scope="session")
def sample_file(tmp_path_factory: pytest.TempPathFactory, sample_data: AllianceData) -> Path:
    """A workspace file holding the sample alliance, made once per run: never open it for writing, copy it."""
    path = tmp_path_factory.mktemp("sample") / "workspace.sqlite"
    with Workspace.open(f"sqlite:///{path}") as ws:
        ws.import_data(sample_data)
    return path


@pytest.fixture
def sample_url(sample_file: Path, tmp_path: Path) -> str:
    """The URL of this test's own copy of the sample workspace (write to it freely)."""
    copy = tmp_path / "sample.sqlite"
    shutil.copyfile(sample_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def sample_workspace(sample_url: str) -> Iterator[Workspace]:
    """This test's own copy of the sample workspace, open for writing."""
    with Workspace.open(sample_url) as ws:
        yield ws
