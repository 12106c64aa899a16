"""One configuration: every setting of alliance_lens is one documented traitlet on :class:`LensConfig`.

Modelled on ``voila/configuration.py``: a setting has one name, one default, one help text (``help()`` and
``docs/deploy.md`` show it) and one environment variable (its ``env`` tag). Settings are read **once**, by
:func:`settings`; a command-line flag wins over the environment, which wins over the default
(``LensConfig.from_env(overrides)``).

Add a setting here, in the section of its area, never as an ``os.environ.get`` elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from traitlets import Enum, Integer, Unicode
from traitlets.config import Configurable

_cached: LensConfig | None = None


class LensConfig(Configurable):
    """Every setting of alliance_lens (the servers, the command line, the dashboards, the client pages)."""

    # ------------------------------------------------------------------ workspace
    home = Unicode(
        "",
        config=True,
        help="The workspace folder (default ~/.alliance_lens): the SQLite workspace, caches, the link secret.",
    ).tag(env="ALLIANCE_LENS_HOME")

    db_url = Unicode(
        "",
        config=True,
        help="SQLAlchemy URL of the workspace; empty = the SQLite file workspace.sqlite in the home folder. "
        "The --db flag of every command wins over it.",
    ).tag(env="ALLIANCE_LENS_DB")

    # ------------------------------------------------------------------ dashboards and charts
    charts = Enum(
        ["browser", "svg"],
        "browser",
        config=True,
        help="How the facilitator's charts are drawn: 'browser' (vega-embed in the page, one cached Vega "
        "bundle) or 'svg' (static SVG made in the kernel).",
    ).tag(env="ALLIANCE_LENS_CHARTS")

    # ------------------------------------------------------------------ servers
    dashboard_port = Integer(
        8866, config=True, help="Default port of the facilitator's dashboard (alliance-lens serve)."
    ).tag(env="ALLIANCE_LENS_DASHBOARD_PORT")

    client_port = Integer(
        8867, config=True, help="Default port of the client server (alliance-lens serve --clients)."
    ).tag(env="ALLIANCE_LENS_CLIENT_PORT")

    # ------------------------------------------------------------------ client links (issue 9)

    # ------------------------------------------------------------------ live poll (issue 10)

    # ------------------------------------------------------------------ metrics (issue 11)

    # ------------------------------------------------------------------ facilitator in the room (issue 12)

    # ------------------------------------------------------------------ files and analysts (issue 14)

    # ------------------------------------------------------------------ shared PostgreSQL workspace (issue 15)

    # ------------------------------------------------------------------ derived values

    def home_path(self) -> Path:
        """The workspace folder as a path (``home`` or ``~/.alliance_lens``); not created here."""
        return Path(self.home).expanduser() if self.home else Path.home() / ".alliance_lens"

    def workspace_url(self, flag: str | None = None) -> str:
        """The workspace URL: the ``--db`` flag, else ``db_url`` (``ALLIANCE_LENS_DB``), else the default file."""
        return flag or self.db_url or f"sqlite:///{self.home_path() / 'workspace.sqlite'}"

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """Each setting's environment variable, by setting name."""
        return {
            name: str(trait.metadata["env"])
            for name, trait in sorted(cls.class_traits(config=True).items())
            if "env" in trait.metadata
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> LensConfig:
        """Settings from ``environ`` (default ``os.environ``), then ``overrides`` (flags) on top.

        A value that does not fit its setting raises :class:`traitlets.TraitError` naming the setting.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, var in cls.env_names().items():
            raw = env.get(var)
            if raw is None or raw == "":
                continue
            trait = cls.class_traits()[name]
            values[name] = trait.from_string(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def settings() -> LensConfig:
    """The process's settings, read from the environment once (the first call)."""
    global _cached
    if _cached is None:
        _cached = LensConfig.from_env()
    return _cached


def reset_settings() -> None:
    """Forget the settings read so far (tests that change the environment call this)."""
    global _cached
    _cached = None
