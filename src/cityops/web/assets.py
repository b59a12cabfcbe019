"""Where the JavaScript libraries CityOps serves itself are: ``node_modules`` of the
repository (installed by ``make setup`` from package.json), never a CDN."""

from __future__ import annotations

import mimetypes
from functools import cache
from pathlib import Path

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

#: npm packages the pages may load, by the name used under /assets/.
PACKAGES = ("leaflet", "uplot", "world-atlas", "topojson-client", "swagger-ui-dist", "pmtiles")
#: Noto fonts for the scripts of the region that devices often lack (Thai, Khmer, Lao,
#: Myanmar): served by CityOps, loaded by the browser only for the glyphs a page uses
#: (``unicode-range``), so a warning in Khmer never shows empty boxes.
FONT_PACKAGES = (
    "@fontsource/noto-sans-thai",
    "@fontsource/noto-sans-khmer",
    "@fontsource/noto-sans-lao",
    "@fontsource/noto-sans-myanmar",
)
_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".geojson": "application/geo+json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".map": "application/json",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}


@cache
def _search(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "node_modules" / "leaflet").is_dir():
            return folder / "node_modules"
    return None


def node_modules(assets_dir: Path | None) -> Path | None:
    """The ``node_modules`` folder: under ``assets_dir`` if set (or that folder itself),
    else found above the working directory or above this package (a source checkout)."""
    if assets_dir is not None:
        base = Path(assets_dir).expanduser().resolve()
        return base if base.name == "node_modules" else base / "node_modules"
    return _search(Path.cwd().resolve()) or _search(WEB_DIR.resolve())


def asset_file(root: Path | None, package: str, path: str) -> Path | None:
    """The file ``path`` of an allowed package, or None (unknown, missing, or outside it).
    A scoped package (``@fontsource/noto-sans-thai``) arrives as ``@fontsource`` with the
    package name as the first segment of ``path``."""
    if package.startswith("@"):
        name, _, path = path.partition("/")
        package = f"{package}/{name}"
    if root is None or package not in PACKAGES + FONT_PACKAGES:
        return None
    base = (root / package).resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


def media_type(path: Path) -> str:
    """Content type by suffix (JavaScript as text/javascript, so ES modules load)."""
    return (
        _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
