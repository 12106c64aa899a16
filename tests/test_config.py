from __future__ import annotations

import pytest
from traitlets import TraitError

from alliance_lens.config import LensConfig


def test_flag_wins_over_environment_which_wins_over_default(tmp_path: object) -> None:
    env = {"ALLIANCE_LENS_HOME": "/srv/lens", "ALLIANCE_LENS_DB": "sqlite:////srv/other.sqlite"}
    cfg = LensConfig.from_env(env)
    assert cfg.workspace_url() == "sqlite:////srv/other.sqlite"
    assert cfg.workspace_url("postgresql+psycopg://x/y") == "postgresql+psycopg://x/y"
    assert LensConfig.from_env({"ALLIANCE_LENS_HOME": "/srv/lens"}).workspace_url() == (
        "sqlite:////srv/lens/workspace.sqlite"
    )


def test_every_setting_is_documented_and_has_one_variable() -> None:
    traits = LensConfig.class_traits(config=True)
    for name, trait in traits.items():
        assert trait.help, name
    names = list(LensConfig.env_names().values())
    assert len(names) == len(set(names))


def test_a_bad_value_names_its_setting() -> None:
    with pytest.raises(TraitError, match="charts"):
        LensConfig.from_env({"ALLIANCE_LENS_CHARTS": "png"})


def test_the_settings_table_of_the_deployment_guide_is_lens_config() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert LensConfig.settings_table() in doc, "run: .venv/bin/python scripts/update_settings_table.py"
    for var in LensConfig.env_names().values():
        assert f"`{var}`" in doc
