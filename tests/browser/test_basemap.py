"""A city's own offline basemap: a raster PMTiles archive named by ``public_basemap_file``
is read by the browser in byte ranges and drawn under the warnings (pmtiles from npm)."""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PHONE, World, shot, wait_until
from tests.browser.test_public import _issue
from tests.e2e.conftest import Server, cli

pmtiles = pytest.importorskip("pmtiles.writer")
from pmtiles.tile import Compression, TileType, zxy_to_tileid  # noqa: E402


def _png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    row = b"\x00" + bytes(rgb) * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def _tile(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def write_archive(path: Path, lat: float, lon: float) -> None:
    """Green tiles around (lat, lon) at zooms 0-14 (3 x 3 at each zoom)."""
    tile = _png((120, 200, 120))
    ids = set()
    for z in range(15):
        cx, cy = _tile(lat, lon, z)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                x, y = cx + dx, cy + dy
                if 0 <= x < 2**z and 0 <= y < 2**z:
                    ids.add(zxy_to_tileid(z, x, y))
    with path.open("wb") as f:
        writer = pmtiles.Writer(f)
        for tile_id in sorted(ids):
            writer.write_tile(tile_id, tile)
        e7 = 10_000_000
        writer.finalize(
            {
                "tile_type": TileType.PNG,
                "tile_compression": Compression.NONE,
                "min_zoom": 0,
                "max_zoom": 14,
                "min_lon_e7": int((lon - 1) * e7),
                "min_lat_e7": int((lat - 1) * e7),
                "max_lon_e7": int((lon + 1) * e7),
                "max_lat_e7": int((lat + 1) * e7),
                "center_zoom": 10,
                "center_lon_e7": int(lon * e7),
                "center_lat_e7": int(lat * e7),
            },
            {"attribution": "test basemap"},
        )


@pytest.fixture
def city_world(tmp_path: Path) -> Iterator[World]:
    archive = tmp_path / "danang.pmtiles"
    write_archive(archive, 16.07, 108.22)
    db = f"sqlite:///{tmp_path / 'basemap.db'}"
    cli("db", "upgrade", "-d", db)
    cli(
        "user", "add", "root", "--role", "admin", "-d", db,
        env={"CITYOPS_PASSWORD": "tide-gauge-admin-8812"},
    )  # fmt: skip
    token = cli("token", "create", "--user", "root", "-d", db).split(": ", 1)[1].strip()
    server = Server(
        db,
        extra_env={
            "CITYOPS_SECRET_KEY": "browser-tests",
            "CITYOPS_PUBLIC_BASEMAP_FILE": str(archive),
        },
    )
    w = World(server, token)
    try:
        yield w
    finally:
        w.api.close()
        server.stop()


def test_city_pmtiles_basemap_drawn(browser: Any, city_world: World) -> None:
    world = city_world
    alert_id = _issue(world)
    page = world.page(browser, PHONE)
    ranges: list[int] = []
    page.on(
        "response",
        lambda r: ranges.append(r.status) if r.url.endswith("/public/basemap.pmtiles") else None,
    )
    page.goto(f"{world.url}/public?lang=en")
    page.locator(f"li.warning[data-alert='{alert_id}']").wait_for()
    tiles = page.locator(".leaflet-tile-pane img.leaflet-tile")
    wait_until(
        lambda: (
            page.evaluate(
                "() => [...document.querySelectorAll('.leaflet-tile-pane img')]"
                ".filter(i => i.src.startsWith('blob:') && i.complete"
                " && i.naturalWidth === 256).length"
            )
            > 0
        ),
        "a basemap tile drawn from the archive",
    )
    assert tiles.count() > 0 and 206 in ranges  # read in byte ranges, not downloaded whole
    shot(page, "public-city-basemap")
    page.context.close()
    assert world.foreign == [], world.foreign
    assert world.errors == [], world.errors
