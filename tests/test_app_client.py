"""The read-only client view without a browser: a valid link shows one alliance, a bad one shows why and no data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest

from alliance_lens import synth
from alliance_lens.app import client
from alliance_lens.model import AllianceData

store = pytest.importorskip("alliance_lens.store")
links = pytest.importorskip("alliance_lens.links")


def _second_alliance(data: AllianceData) -> AllianceData:
    """A copy of the sample under another id and name, so a workspace holds two alliances."""
    frames = {}
    for name, frame in data.tables().items():
        f = frame.copy()
        f["alliance_id"] = "other-alliance"
        if name == "alliances":
            f["name"] = "The Other Alliance"
            f["language"] = "nl"
        frames[name] = f
    return AllianceData.from_frames(frames)


@pytest.fixture(autouse=True)
def svg_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the charts as SVG; the page-drawn charts have their own test below (and the browser tests)."""
    monkeypatch.setenv("ALLIANCE_LENS_CHARTS", "svg")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'workspace.sqlite'}"
    sample = synth.generate_sample()
    ws = store.Workspace.open(url)
    ws.import_data(sample)
    ws.import_data(_second_alliance(sample))
    ws.close()
    return url


@pytest.fixture
def sample_id(db_url: str) -> str:
    ws = store.Workspace.open(db_url)
    try:
        ids = [a for a in ws.alliances()["alliance_id"] if a != "other-alliance"]
    finally:
        ws.close()
    return ids[0]


def walk(w: widgets.Widget) -> Iterator[widgets.Widget]:
    yield w
    for c in getattr(w, "children", ()):
        yield from walk(c)


def page_text(w: widgets.Widget) -> str:
    return " ".join(str(getattr(x, "value", "")) for x in walk(w) if isinstance(x, widgets.HTML))


def test_a_valid_link_shows_its_alliance_only_and_no_entry_widgets(db_url: str, sample_id: str) -> None:
    link = links.make_link(sample_id, dt.timedelta(days=7), db_url=db_url)
    view = client.client_dashboard(f"token={link.token}", db_url=db_url, display=False)
    assert isinstance(view, client.ClientDashboard)
    state = view.state
    assert state.read_only and state.alliance_id == sample_id
    assert set(state.data.alliances["alliance_id"]) == {sample_id}
    assert state.alliances == []  # the other alliances are not even listed
    text = page_text(view.widget)
    assert state.alliance.name in text and "The Other Alliance" not in text
    assert "<svg" in view.charts[0].widget.value
    assert "al-pattern-card" in view.patterns.cards.value
    assert "al-as-of" in view.header.value and str(state.metrics.as_of.date()) in view.header.value
    entry = [
        w
        for w in walk(view.widget)
        if isinstance(w, widgets.Text | widgets.Button | widgets.Dropdown | widgets.DatePicker | widgets.ToggleButtons)
    ]
    assert entry == []


def test_the_client_view_speaks_the_alliance_language(db_url: str) -> None:
    link = links.make_link("other-alliance", dt.timedelta(days=7), db_url=db_url)
    view = client.client_dashboard(f"token={link.token}", db_url=db_url, display=False)
    assert isinstance(view, client.ClientDashboard)
    assert view.state.language == "nl"
    assert "betrouwbaarheid en vertrouwen" in view.header.value
    assert "al-pattern-card" in view.patterns.cards.value


def test_the_client_store_is_read_only(db_url: str, sample_id: str, tmp_path: Path) -> None:
    link = links.make_link(sample_id, dt.timedelta(days=7), db_url=db_url)
    db_file = Path(db_url.removeprefix("sqlite:///"))
    before = db_file.read_bytes()
    view = client.client_dashboard(f"token={link.token}", db_url=db_url, display=False)
    assert isinstance(view, client.ClientDashboard)
    with pytest.raises(store.ReadOnlyError):
        view.state.workspace.set_goals_shared(sample_id, str(view.state.data.partners["partner_id"].iloc[0]), None)
    assert view.state.undo() is None
    assert db_file.read_bytes() == before


def test_hidden_dyads_stay_hidden(db_url: str, sample_id: str) -> None:
    link = links.make_link(sample_id, dt.timedelta(days=7), db_url=db_url)
    view = client.client_dashboard(f"token={link.token}", db_url=db_url, display=False)
    assert isinstance(view, client.ClientDashboard)
    matrix = view.state.metrics.trust_matrix
    shown = client.hide_below_floor(view.state.metrics).trust_matrix
    assert not shown["below_floor"].astype(bool).any()
    assert len(shown) == int((~matrix["below_floor"].astype(bool)).sum())


@pytest.mark.parametrize("reason", ["missing", "tampered", "expired", "revoked", "foreign", "unknown_alliance"])
def test_a_bad_link_shows_why_and_loads_no_data(
    reason: str, db_url: str, sample_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if reason == "missing":
        query = ""
    elif reason == "tampered":
        token = links.make_link(sample_id, dt.timedelta(days=7), db_url=db_url).token
        query = "token=" + token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif reason == "expired":
        old = now - dt.timedelta(days=30)
        query = "token=" + links.make_link(sample_id, dt.timedelta(days=1), db_url=db_url, now=old).token
    elif reason == "revoked":
        made = links.make_link(sample_id, dt.timedelta(days=7), db_url=db_url)
        links.revoke(made.info.link_id, db_url=db_url)
        query = "token=" + made.token
    elif reason == "foreign":  # signed by another workspace's secret
        other = f"sqlite:///{tmp_path / 'elsewhere' / 'workspace.sqlite'}"
        (tmp_path / "elsewhere").mkdir()
        ws = store.Workspace.open(other)
        ws.import_data(synth.generate_sample())
        ws.close()
        query = "token=" + links.make_link(sample_id, dt.timedelta(days=7), db_url=other).token
    else:
        query = "token=" + links.make_link("other-alliance", dt.timedelta(days=7), db_url=db_url).token
        # the alliance was deleted from the workspace after the link was made
        monkeypatch.setattr(links, "_alliance_exists", lambda *_a, **_k: False)

    opened: list[object] = []
    real_open = store.Workspace.open
    monkeypatch.setattr(store.Workspace, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    view = client.client_dashboard(query, db_url=db_url, display=False)
    assert isinstance(view, widgets.HTML)
    expected = {"foreign": "tampered"}.get(reason, reason)
    assert f'data-reason="{expected}"' in view.value
    assert opened == []  # the workspace was never opened
    assert "Nordwagen" not in view.value and "<svg" not in view.value
    assert "Ask your facilitator" in view.value


def test_a_link_revoked_while_the_page_is_open_stops_showing_data(db_url: str, sample_id: str) -> None:
    made = links.make_link(sample_id, dt.timedelta(days=7), db_url=db_url)
    view = client.client_dashboard(f"token={made.token}", db_url=db_url, display=False)
    assert isinstance(view, client.ClientDashboard)
    assert view.recheck() is True
    links.revoke(made.info.link_id, db_url=db_url)
    assert view.recheck() is False
    assert "<svg" not in page_text(view.widget) and 'data-reason="revoked"' in page_text(view.widget)


def test_query_string_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "token=abc&x=1")
    assert client.query_string() == "token=abc&x=1"
    assert links.token_from_query(client.query_string()) == "abc"


def test_as_of_is_the_metrics_date(db_url: str, sample_id: str) -> None:
    link = links.make_link(sample_id, dt.timedelta(days=7), db_url=db_url)
    view = client.client_dashboard(f"token={link.token}", db_url=db_url, display=False)
    assert isinstance(view, client.ClientDashboard)
    assert client.as_of(view.state) == pd.Timestamp(view.state.metrics.as_of).date()


def test_by_default_the_client_page_draws_the_charts_from_specifications(
    db_url: str, sample_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alliance_lens.app import vega

    monkeypatch.delenv("ALLIANCE_LENS_CHARTS")
    bundle = tmp_path / "bundle.js"
    bundle.write_text("window.vegaEmbed = () => null;")  # building the real one takes seconds: not this test's job
    monkeypatch.setattr(vega, "bundle_path", lambda: bundle)
    link = links.make_link(sample_id, dt.timedelta(days=7), db_url=db_url)
    view = client.client_dashboard(f"token={link.token}", db_url=db_url, display=False)
    assert isinstance(view, client.ClientDashboard)
    assert all(isinstance(c.widget, vega.VegaChart) for c in view.charts)
    # every chart is a Vega-Lite specification with data, hidden dyads left out as with SVG
    assert all(
        c.widget.spec.get("$schema", "").startswith("https://vega.github.io/schema/vega-lite/") for c in view.charts
    )
    loaders = [w for w in walk(view.widget) if isinstance(w, vega.VegaLoader)]
    assert len(loaders) == 1 and loaders[0].bundle.startswith("window.vegaEmbed")
