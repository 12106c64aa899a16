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

from traitlets import Enum, Float, Integer, Unicode
from traitlets.config import Configurable

_cached: LensConfig | None = None
_cached_key: tuple[str | None, ...] | None = None


class LensConfig(Configurable):
    """Every setting of alliance_lens (the servers, the command line, the dashboards, the client pages)."""

    # ------------------------------------------------------------------ workspace
    home = Unicode(
        "",
        config=True,
        help="The workspace folder (default ~/.alliance_lens): the SQLite workspace, caches, the link secret.",
    ).tag(env="ALLIANCE_LENS_HOME", default_doc="`~/.alliance_lens`")

    db_url = Unicode(
        "",
        config=True,
        help="SQLAlchemy URL of the workspace; empty = the SQLite file workspace.sqlite in the home folder. "
        "The --db flag of every command wins over it.",
    ).tag(env="ALLIANCE_LENS_DB", default_doc="`sqlite:///` + home + `/workspace.sqlite`")

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

    link_secret_file = Unicode(
        "",
        config=True,
        help="The file holding the client links' signing secret; empty = one file per workspace under the "
        "home folder. Name one explicitly when a facilitator's machine and a client server share a workspace.",
    ).tag(env="ALLIANCE_LENS_LINK_SECRET_FILE")

    # ------------------------------------------------------------------ client links (issue 9)
    client_view = Unicode(
        "alliance_lens.pages.view:default_sections",
        config=True,
        help="What a client page shows: 'module:function' taking a ViewInput and returning the page's sections "
        "(docs/design.md, 'The client page'). Called once per alliance revision, never per visitor.",
    ).tag(env="ALLIANCE_LENS_CLIENT_VIEW")

    client_cache_dir = Unicode(
        "",
        config=True,
        help="Folder of rendered client pages, one file per alliance revision; empty = cache/client-pages in the "
        "home folder. Client servers behind one proxy that share this folder render each revision once.",
    ).tag(env="ALLIANCE_LENS_CLIENT_CACHE_DIR")

    client_live_wait = Float(
        20.0,
        config=True,
        help="Seconds an open client page's live request waits for a new revision before it is answered "
        "'unchanged' (its link is checked again at each answer, so a revoked link is seen within this time).",
    ).tag(env="ALLIANCE_LENS_CLIENT_LIVE_WAIT")

    client_revision_interval = Float(
        1.0,
        config=True,
        help="Seconds between two reads of the revision of an alliance whose page is open (a save shows on open "
        "pages within this time plus one render).",
    ).tag(env="ALLIANCE_LENS_CLIENT_REVISION_INTERVAL")

    client_link_check_ttl = Float(
        5.0,
        config=True,
        help="Seconds a link found valid is trusted before it is verified again (a revocation reaches every "
        "request within this time); refused links are remembered as refused.",
    ).tag(env="ALLIANCE_LENS_CLIENT_LINK_CHECK_TTL")

    client_link_rate = Float(
        2.0,
        config=True,
        help="Requests per second one link may make on average (pages and live requests together); past its "
        "burst, HTTP 429 with Retry-After for that link only.",
    ).tag(env="ALLIANCE_LENS_CLIENT_LINK_RATE")

    client_link_burst = Integer(
        60,
        config=True,
        help="Requests one link may make at once before client_link_rate applies (e.g. 20 partners opening the "
        "same link in one minute, each with a few reloads).",
    ).tag(env="ALLIANCE_LENS_CLIENT_LINK_BURST")

    client_address_refusal_rate = Float(
        0.5,
        config=True,
        help="Refused links per second one address may cause on average; past its burst that address gets "
        "HTTP 429 for links not yet known valid. Valid links are limited per link, never per address, so an "
        "office behind one address is not refused because of another's link.",
    ).tag(env="ALLIANCE_LENS_CLIENT_ADDRESS_REFUSAL_RATE")

    client_address_refusal_burst = Integer(
        30,
        config=True,
        help="Refused links one address may cause at once before client_address_refusal_rate applies.",
    ).tag(env="ALLIANCE_LENS_CLIENT_ADDRESS_REFUSAL_BURST")

    client_live_per_link = Integer(
        32,
        config=True,
        help="Live requests one link may hold open at once (one per open page); past it HTTP 429 with "
        "Retry-After for that link's new ones.",
    ).tag(env="ALLIANCE_LENS_CLIENT_LIVE_PER_LINK")

    client_trusted_proxies = Unicode(
        "127.0.0.1,::1",
        config=True,
        help="Comma-separated addresses of reverse proxies whose X-Real-IP / X-Forwarded-For header names the "
        "visitor's address (for the per-address limit and the 'client link refused' log line); others' headers "
        "are ignored. Empty = trust none.",
    ).tag(env="ALLIANCE_LENS_CLIENT_TRUSTED_PROXIES")

    client_live_total = Integer(
        2000,
        config=True,
        help="Live requests the client server holds open at once, all links together.",
    ).tag(env="ALLIANCE_LENS_CLIENT_LIVE_TOTAL")

    # ------------------------------------------------------------------ live poll (issue 10)
    poll_base_url = Unicode(
        "",
        config=True,
        help="Address of the client server as the participants' phones reach it (e.g. http://192.168.1.20:8867/), "
        "for the poll's link and QR code; empty = this machine's address on the local network and client_port.",
    ).tag(env="ALLIANCE_LENS_POLL_BASE_URL")

    poll_hours = Integer(
        12, config=True, help="A poll closes by itself this many hours after it was opened (a forgotten poll ends)."
    ).tag(env="ALLIANCE_LENS_POLL_HOURS")

    poll_max_body = Integer(
        16_384,
        config=True,
        help="Largest answer accepted from a phone, in bytes (a whole answer is well under 2 KiB); more gets 413.",
    ).tag(env="ALLIANCE_LENS_POLL_MAX_BODY")

    poll_comment_max = Integer(
        500, config=True, help="Longest comment a participant may add to an answer, in characters."
    ).tag(env="ALLIANCE_LENS_POLL_COMMENT_MAX")

    poll_burst = Integer(
        80,
        config=True,
        help="Answers accepted from one network address at once before it must slow down (a room behind one "
        "router shares an address, so this covers the whole room answering in the same second).",
    ).tag(env="ALLIANCE_LENS_POLL_BURST")

    poll_per_minute = Integer(
        120,
        config=True,
        help="Answers per minute one address may keep sending after its burst; past it: 429 with Retry-After.",
    ).tag(env="ALLIANCE_LENS_POLL_PER_MINUTE")

    poll_refresh = Float(
        0.25,
        config=True,
        help="Seconds between the facilitator's panel's checks for new answers (one indexed read of the revision).",
    ).tag(env="ALLIANCE_LENS_POLL_REFRESH")

    # ------------------------------------------------------------------ metrics (issue 11)

    # ------------------------------------------------------------------ facilitator in the room (issue 12)
    kernel_cull_after = Integer(
        90,
        config=True,
        help="Seconds a facilitator's dashboard kernel may stay without its page (no websocket: the tab was "
        "closed) before the server shuts it down, however busy the meeting; checked every 15 s, so a closed "
        "tab's kernel is gone within 2 minutes. 0 keeps such kernels until the idle culler (10 minutes idle).",
    ).tag(env="ALLIANCE_LENS_KERNEL_CULL_AFTER")

    # ------------------------------------------------------------------ files and analysts (issue 14)
    # Limits on an imported file, checked before anything is inflated or parsed: a careless or hostile file is
    # refused with a message naming the limit, within seconds and a few hundred MB, instead of filling memory.
    file_max_bytes = Integer(
        50_000_000,
        config=True,
        help="Largest file an import reads, in bytes (a workbook as stored, or one CSV file).",
    ).tag(env="ALLIANCE_LENS_FILE_MAX_BYTES")

    file_max_inflated = Integer(
        200_000_000,
        config=True,
        help="Largest total size of a workbook's parts once uncompressed, in bytes (a zip bomb is refused).",
    ).tag(env="ALLIANCE_LENS_FILE_MAX_INFLATED")

    file_max_ratio = Float(
        200.0,
        config=True,
        help="Largest compression ratio of one part of a workbook larger than 1 MB uncompressed "
        "(real sheets compress 5-50 times; zip bombs a thousand times).",
    ).tag(env="ALLIANCE_LENS_FILE_MAX_RATIO")

    file_max_parts = Integer(1_000, config=True, help="Most parts (files inside the zip) a workbook may have.").tag(
        env="ALLIANCE_LENS_FILE_MAX_PARTS"
    )

    file_max_rows = Integer(
        500_000,
        config=True,
        help="Most rows one sheet or CSV file may have (the large sample alliance has 140,000 ratings).",
    ).tag(env="ALLIANCE_LENS_FILE_MAX_ROWS")

    file_max_columns = Integer(
        200,
        config=True,
        help="Most columns a sheet may reach (a table of the format has at most 9); a cell reference far to the "
        "right, such as ZZZZZZ2, is refused.",
    ).tag(env="ALLIANCE_LENS_FILE_MAX_COLUMNS")

    file_max_cells = Integer(
        5_000_000,
        config=True,
        help="Most cells of the rectangle from A1 to a sheet's last used cell (rows times columns).",
    ).tag(env="ALLIANCE_LENS_FILE_MAX_CELLS")

    # ------------------------------------------------------------------ shared PostgreSQL workspace (issue 15)
    db_pool_size = Integer(
        5,
        config=True,
        help="Connections each server process keeps open to a PostgreSQL workspace (SQLAlchemy pool_size); "
        "link checks and page loads reuse them.",
    ).tag(env="ALLIANCE_LENS_DB_POOL_SIZE")

    db_max_overflow = Integer(
        10,
        config=True,
        help="Connections a server may open beyond db_pool_size at a busy moment (closed again after use).",
    ).tag(env="ALLIANCE_LENS_DB_MAX_OVERFLOW")

    actor = Unicode(
        "",
        config=True,
        help="Who makes the changes, as the history shows it, when there is no JupyterHub user "
        "(--actor of the commands); empty = the operating system's user.",
    ).tag(env="ALLIANCE_LENS_ACTOR")

    hub_user = Unicode(
        "",
        config=True,
        help="The JupyterHub user of a single-user server (set by JupyterHub): recorded as the actor of every "
        "change made there.",
    ).tag(env="JUPYTERHUB_USER")

    # ------------------------------------------------------------------ derived values

    def home_path(self) -> Path:
        """The workspace folder as a path (``home`` or ``~/.alliance_lens``); not created here."""
        return Path(self.home).expanduser() if self.home else Path.home() / ".alliance_lens"

    def port_of(self, role: str) -> int:
        """The default port of a server: ``facilitator`` (the dashboard) or ``clients``."""
        return self.client_port if role == "clients" else self.dashboard_port

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
    def settings_table(cls) -> str:
        """The Markdown table of every setting (``docs/deploy.md`` holds it; a test keeps the two equal).

        A setting whose default depends on the machine or is worked out says so in its ``default_doc`` tag.
        """
        rows = ["| setting | environment variable | default | what it does |", "|---|---|---|---|"]
        for name, trait in sorted(cls.class_traits(config=True).items()):
            if "env" not in trait.metadata:
                continue
            default = trait.metadata.get("default_doc") or f"`{trait.default_value!r}`"
            text = " ".join(str(trait.help).split()).replace("|", "\\|")
            rows.append(f"| `{name}` | `{trait.metadata['env']}` | {default} | {text} |")
        return "\n".join(rows)

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
    """The process's settings, read from the environment (again only when one of its variables changed).

    Reading is cached on the values of the settings' own environment variables, so a server reads them once,
    and a test or a command that changes one (``monkeypatch.setenv``) is seen at the next call.
    """
    global _cached, _cached_key
    key = tuple(os.environ.get(var) for var in LensConfig.env_names().values())
    if _cached is None or key != _cached_key:
        _cached, _cached_key = LensConfig.from_env(), key
    return _cached


def reset_settings() -> None:
    """Forget the settings read so far (the next :func:`settings` reads the environment again)."""
    global _cached, _cached_key
    _cached, _cached_key = None, None
