"""``alliance-lens serve``: the Voilà settings built, the token off 127.0.0.1, the demo workspace, bad arguments.

The servers themselves run in tests/browser/; here Voilà's application is replaced by a stand-in that records
what it was given.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest

from alliance_lens import cli, paths, serve


class Recorder:
    """Stands in for Voilà's application: keeps its config, argv and the environment at start."""

    made: ClassVar[list[Recorder]] = []

    def __init__(self, config: Any) -> None:
        self.config = config
        self.argv: list[str] = []
        self.env: dict[str, str] = {}
        Recorder.made.append(self)

    def initialize(self, argv: list[str]) -> None:
        self.argv = argv

    def start(self) -> None:
        self.env = dict(os.environ)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Recorder]:
    Recorder.made = []
    monkeypatch.setattr(serve, "_dashboard_server_class", lambda: Recorder)
    # run_server sets these for the kernels; keep them out of the other tests
    for name in ("ALLIANCE_LENS_DB", "JUPYTER_PATH"):
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
    return Recorder.made


def test_the_facilitator_server_serves_one_notebook_offline_on_loopback(recorded: list[Recorder]) -> None:
    assert cli.main(["serve", "--no-browser", "--db", "sqlite:////tmp/x.sqlite"]) == 0
    (app,) = recorded
    assert app.argv == [str(paths.notebooks_dir() / "facilitator.ipynb")]  # the file, not the folder
    c = app.config
    assert c.Voila.ip == "127.0.0.1"
    assert c.Voila.port == 8866
    assert c.Voila.token == ""
    assert c.VoilaConfiguration.template == "alliance_lens"
    assert c.VoilaConfiguration.strip_sources is True
    assert c.VoilaConfiguration.show_tracebacks is False
    assert c.VoilaConfiguration.allow_template_override == "NO"
    assert c.VoilaConfiguration.file_allowlist == []
    assert c.MappingKernelManager.cull_idle_timeout > 0
    assert c.MappingKernelManager.cull_interval > 0
    assert c.MappingKernelManager.cull_connected is False  # an open facilitator tab keeps its kernel
    assert c.VoilaConfiguration.preheat_kernel is True
    assert c.DashboardServer.open_in_browser is False
    assert c.DashboardServer.role == "facilitator"
    # the kernels learn the workspace from the environment; Voilà finds our template through JUPYTER_PATH
    assert app.env["ALLIANCE_LENS_DB"] == "sqlite:////tmp/x.sqlite"
    assert str(serve.TEMPLATES_ROOT) in app.env["JUPYTER_PATH"].split(os.pathsep)


@pytest.mark.parametrize("ip", ["0.0.0.0", "192.168.1.20", "::"])
def test_a_token_is_required_off_loopback(recorded: list[Recorder], ip: str) -> None:
    assert cli.main(["serve", "--no-browser", "--ip", ip, "--port", "9001"]) == 0
    c = recorded[0].config
    assert c.Voila.ip == ip
    assert len(c.Voila.token) >= 24
    assert c.Voila.port_retries == 0  # the port asked for, or an error


def test_tokens_are_not_reused(recorded: list[Recorder]) -> None:
    cli.main(["serve", "--no-browser", "--ip", "0.0.0.0"])
    cli.main(["serve", "--no-browser", "--ip", "0.0.0.0"])
    assert recorded[0].config.Voila.token != recorded[1].config.Voila.token


@pytest.mark.parametrize("ip", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_no_token_on_loopback(recorded: list[Recorder], ip: str) -> None:
    assert cli.main(["serve", "--no-browser", "--ip", ip]) == 0
    assert recorded[0].config.Voila.token == ""


def test_the_client_server_serves_no_notebook_and_starts_no_kernel(recorded: list[Recorder]) -> None:
    assert cli.main(["serve", "--clients", "--no-browser", "--port", "9100"]) == 0
    (app,) = recorded
    assert app.argv == []  # no notebook: the pages are alliance_lens.pages handlers
    c = app.config
    assert c.DashboardServer.role == "clients"
    assert c.VoilaConfiguration.preheat_kernel is False and c.VoilaConfiguration.default_pool_size == 0
    assert "BoundedKernelManager" not in c
    assert c.VoilaConfiguration.file_allowlist == []
    assert c.Voila.port == 9100


def test_the_client_servers_handlers_are_the_pages_and_a_404(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alliance_lens.config import reset_settings

    monkeypatch.setenv("ALLIANCE_LENS_HOME", str(tmp_path))
    reset_settings()
    monkeypatch.setattr("alliance_lens.pages.assets.vega_bundle", lambda: b"window.vegaEmbed = null;")
    server = serve._dashboard_server_class()()
    server.role = "clients"
    handlers = server.init_handlers()
    routes = [spec[0] for spec in handlers]
    assert routes[:3] == ["/static/([A-Za-z0-9_-][A-Za-z0-9._-]*)$", "/$", "/live$"] and routes[-1] == ".*"
    modules = {spec[1].__module__ for spec in handlers}
    assert all(m.startswith("alliance_lens.pages.") for m in modules)  # no kernel, notebook or Voilà handler
    server.alliance_lens_context.close()
    reset_settings()


def test_default_ports_differ(recorded: list[Recorder]) -> None:
    cli.main(["serve", "--no-browser"])
    cli.main(["serve", "--clients", "--no-browser"])
    assert recorded[0].config.Voila.port != recorded[1].config.Voila.port
    assert recorded[0].config.Voila.port_retries > 0  # the default port may move to a free one


def test_config_files_come_only_from_the_workspace_folder(
    recorded: list[Recorder], isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cli.main(["serve", "--no-browser"])
    assert recorded[0].config.Voila.config_file_paths == [str(isolated_home)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "70000"], "--port: 70000"),
        (["serve", "--demo", "--db", "sqlite:////tmp/y.sqlite"], "--demo"),
    ],
)
def test_bad_arguments_are_one_clear_line(
    recorded: list[Recorder], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli.main([*argv, "--no-browser"]) == 2
    assert message in capsys.readouterr().err
    assert not recorded


def test_demo_serves_a_temporary_copy_of_the_sample(recorded: list[Recorder], isolated_home: Path) -> None:
    from alliance_lens.store import Workspace

    seen: dict[str, Any] = {}

    def start(self: Recorder) -> None:
        url = os.environ["ALLIANCE_LENS_DB"]
        ws = Workspace.open(url, read_only=True)
        try:
            seen["alliances"] = sorted(ws.alliances()["alliance_id"])
        finally:
            ws.close()
        seen["url"] = url

    Recorder.start = start  # type: ignore[method-assign]
    try:
        assert cli.main(["serve", "--demo", "--no-browser"]) == 0
    finally:
        del Recorder.start
    sample_ids = sorted(
        line.split(",")[0] for line in (paths.sample_data_dir() / "alliances.csv").read_text().splitlines()[1:] if line
    )
    assert seen["alliances"] == sample_ids
    demo_file = Path(seen["url"].removeprefix("sqlite:///"))
    assert not demo_file.is_relative_to(isolated_home)  # never the real workspace
    assert not demo_file.exists()  # removed when the server stops
    assert not (isolated_home / "workspace.sqlite").exists()


def test_the_template_links_nothing_outside() -> None:
    folder = serve.TEMPLATES_ROOT / "nbconvert" / "templates" / serve.TEMPLATE
    page = re.sub(r"\{#.*?#\}", "", (folder / "index.html.j2").read_text(), flags=re.DOTALL)  # drop comments
    assert "http" not in page
    assert re.findall(r"<link[^>]*>", page) == ['<link rel="icon" href="data:;base64,=">']
    assert json.loads((folder / "conf.json").read_text())["base_template"] == "lab"
