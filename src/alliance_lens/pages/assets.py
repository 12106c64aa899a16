"""The client server's static files: the Vega bundle and the pages' own scripts and styles.

The Vega bundle is Vega, Vega-Lite and vega-embed as one script; the others come from ``pages/static``.

Each file is held in memory with its gzip form and an ETag (a hash of its content), served at
``/static/<name>?v=<etag>``: with the current ``v`` it may be cached for a year (``immutable``), so a browser
fetches the 0.9 MB bundle once per version; without it, a conditional request (``If-None-Match``) is answered
304. The bundle comes from the installed packages (``vl_convert`` holds Vega, Vega-Lite and vega-embed, in the
versions Altair's charts need) and is built once per machine into the workspace's cache folder, in a separate
process so the server does not keep vl-convert's JavaScript runtime.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import tornado.web

from alliance_lens.charts.bundle import bundle_path, cached_bundle
from alliance_lens.pages.base import STATIC, BasePage

VEGA: Final = "vega.js"
_TYPES: Final = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
#: A year: the URL changes with the content, so a cached copy is never stale.
FAR_FUTURE: Final = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    """One static file: its bytes, gzipped bytes, content type and ETag."""

    name: str
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


_assets: dict[str, Asset] = {}


def _asset(name: str, body: bytes) -> Asset:
    etag = hashlib.sha256(body).hexdigest()[:16]
    content_type = _TYPES.get(Path(name).suffix, "application/octet-stream")
    return Asset(name, body, gzip.compress(body, 6, mtime=0), content_type, etag)


def vega_bundle() -> bytes:
    """The Vega bundle's bytes, built first (a few seconds, in a separate process) if this machine lacks it."""
    return cached_bundle(bundle_path())


def load_assets() -> dict[str, Asset]:
    """Every static file, read once (the Vega bundle built if needed)."""
    if not _assets:
        for path in sorted(STATIC.iterdir()):
            if path.is_file() and path.suffix in _TYPES:
                _assets[path.name] = _asset(path.name, path.read_bytes())
        _assets[VEGA] = _asset(VEGA, vega_bundle())
    return _assets


def asset_url(name: str) -> str:
    """``/static/<name>?v=<etag>`` of a static file (relative to the server's root, without a leading slash)."""
    asset = load_assets()[name]
    return f"static/{name}?v={asset.etag}"


class AssetHandler(BasePage):
    """``GET /static/<name>``: one file of :func:`load_assets`, cacheable; anything else 404."""

    def set_default_headers(self) -> None:
        """The pages' headers, but the cache header is set per answer."""
        super().set_default_headers()
        self.clear_header("Cache-Control")

    def compute_etag(self) -> str | None:
        """No ETag of Tornado's (a hash of each answer): ours comes from the file."""
        return None  # ours is set below, from the content, before the body is written

    async def get(self, name: str) -> None:
        """The file, gzipped when the browser accepts it; 304 for a copy the browser already holds."""
        asset = load_assets().get(name)
        if asset is None:
            raise tornado.web.HTTPError(404)
        etag = f'"{asset.etag}"'
        self.set_header("ETag", etag)
        self.set_header("Cache-Control", FAR_FUTURE if self.get_query_argument("v", "") == asset.etag else "no-cache")
        self.set_header("Vary", "Accept-Encoding")
        if etag in self.request.headers.get("If-None-Match", ""):
            self.set_status(304)
            self.finish()
            return
        self.set_header("Content-Type", asset.content_type)
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            self.set_header("Content-Encoding", "gzip")
            self.finish(asset.gzipped)
        else:
            self.finish(asset.body)

    def head(self, name: str) -> None:
        """Not offered."""
        raise tornado.web.HTTPError(405)


def handlers(context: object) -> list[tuple[str, type[BasePage]]]:
    """``/static/<name>`` (names of letters, digits, ``.``, ``-``, ``_`` only: no path, no ``..``)."""
    return [(r"static/([A-Za-z0-9_-][A-Za-z0-9._-]*)", AssetHandler)]
