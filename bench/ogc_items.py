"""Data hub benchmarks of the city-data-hub issue, on SQLite and PostgreSQL side by side.

1. OGC API – Features items: a collection of N point features (default 100,000, spread
   over a lon/lat box of South-East Asia, with ``kind`` and ``capacity``) is published
   through the import's own storage job (``catalogue.store_dataset``); a real ``cityops
   serve`` then answers ``GET /ogc/collections/{id}/items`` with a random 1-degree bbox,
   with a CQL2 text filter (``kind = 'shelter' AND capacity > 500``), and with both,
   ``limit=100``, over HTTP (keep-alive, one client): p50 and p99 printed beside the round
   trip of a bare ``GET /health`` on the same server (the limit of this run: what HTTP
   alone costs).
2. Exposure of a warning area over W wards (default 1,000, a 40 x 25 grid) and F facilities
   (default 10,000): the computation itself (``exposure.compute.exposure`` on layers built
   once) and as the API runs it (``exposure.layers.load_layers`` from the store, then the
   computation), p50 and p99 beside the limit of the issue, 100 ms.

    .venv/bin/python bench/ogc_items.py                                  # full run
    .venv/bin/python bench/ogc_items.py --features 2000 --wards 100 --facilities 500 --reps 20
    .venv/bin/python bench/ogc_items.py --backends sqlite
"""

from __future__ import annotations

import argparse
import http.client
import math
import random
import statistics
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import shapely  # noqa: E402
from bench._common import Server, fresh_dir, machine, table  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from cityops.auth.orgs import add_org  # noqa: E402
from cityops.datasets.catalogue import CleanFeature, Metadata, store_dataset  # noqa: E402
from cityops.exposure.compute import exposure  # noqa: E402
from cityops.exposure.layers import load_layers  # noqa: E402
from cityops.store import migrate  # noqa: E402
from cityops.store.base import Store  # noqa: E402
from cityops.store.writer import Tx  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BOX = (100.0, 8.0, 110.0, 22.0)  # lon/lat: Thailand, Laos, Cambodia, Vietnam
KINDS = ("school", "hospital", "shelter")
CQL = "kind = 'shelter' AND capacity > 500"
EXPOSURE_LIMIT_MS = 100.0
CITY = (108.0, 15.0, 108.4, 15.25)  # the synthetic city of the exposure benchmark


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[max(0, math.ceil(len(xs) * q) - 1)]


def load_items(store: Store, n: int, rng: random.Random) -> None:
    """The items collection ``bench-items``: ``n`` points with kind and capacity."""
    feats = [
        CleanFeature(
            shapely.Point(rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])),
            {"name": f"f{i}", "kind": KINDS[i % 3], "capacity": rng.randrange(0, 2000)},
        )
        for i in range(n)
    ]
    meta = Metadata(slug="bench-items", title="Benchmark points", keywords=["bench"])
    store.write_sync(lambda tx: store_dataset(tx, meta, None, feats))


def load_city(store: Store, wards: int, facilities: int, rng: random.Random) -> int:
    """A city of ``wards`` grid cells with counts and ``facilities`` points; its org id."""
    cols = max(1, round(math.sqrt(wards * 1.6)))
    rows = math.ceil(wards / cols)
    dx, dy = (CITY[2] - CITY[0]) / cols, (CITY[3] - CITY[1]) / rows
    cells = [
        CleanFeature(
            shapely.box(
                CITY[0] + c * dx, CITY[1] + r * dy, CITY[0] + (c + 1) * dx, CITY[1] + (r + 1) * dy
            ),
            {"name": f"w{r}-{c}", "population": rng.randrange(500, 20000), "households": 300},
        )
        for r in range(rows)
        for c in range(cols)
    ][:wards]
    points = [
        CleanFeature(
            shapely.Point(rng.uniform(CITY[0], CITY[2]), rng.uniform(CITY[1], CITY[3])),
            {"name": f"s{i}", "kind": KINDS[i % 3], "capacity": rng.randrange(50, 800)},
        )
        for i in range(facilities)
    ]

    def job(tx: Tx) -> int:
        org = add_org(tx.conn, "bench-city", "Bench City")
        for slug, kw, feats in (
            ("bench-wards", "wards", cells),
            ("bench-fac", "facilities", points),
        ):
            meta = Metadata(slug=slug, title=slug, keywords=[kw])
            store_dataset(tx, meta, org, feats)
        return int(org)

    return int(store.write_sync(job))


@dataclass
class UrlServer(Server):
    """``cityops serve`` on a given database URL."""

    url: str = ""

    @property
    def db_url(self) -> str:
        return self.url or f"sqlite:///{self.db_path}"


def http_times(srv: Server, make: Callable[[], str], reps: int) -> list[float]:
    """Milliseconds per GET of ``make()`` over one keep-alive connection (first one unmeasured)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    out = []
    try:
        for i in range(reps + 1):
            path = make()
            t0 = time.perf_counter()
            conn.request("GET", path, headers=srv.headers)
            resp = conn.getresponse()
            body = resp.read()
            ms = (time.perf_counter() - t0) * 1000
            if resp.status != 200:
                raise RuntimeError(f"{path}: HTTP {resp.status} {body[:200]!r}")
            if i:
                out.append(ms)
    finally:
        conn.close()
    return out


def item_queries(rng: random.Random) -> dict[str, Callable[[], str]]:
    base = "/ogc/collections/bench-items/items?limit=100"
    cql = "&filter-lang=cql2-text&filter=" + urllib.parse.quote(CQL)

    def bbox() -> str:
        x, y = rng.uniform(BOX[0], BOX[2] - 1), rng.uniform(BOX[1], BOX[3] - 1)
        return f"&bbox={x:.3f},{y:.3f},{x + 1:.3f},{y + 1:.3f}"

    return {
        "items bbox": lambda: base + bbox(),
        "items CQL2": lambda: base + cql,
        "items bbox + CQL2": lambda: base + bbox() + cql,
    }


def exposure_times(store: Store, org: int, reps: int, rng: random.Random) -> dict[str, list[float]]:
    """Exposure of a random warning area covering about a tenth of the city."""
    with store.read() as conn:
        layers = load_layers(conn, org)
    assert layers is not None
    w, h = (CITY[2] - CITY[0]) * 0.3, (CITY[3] - CITY[1]) * 0.3

    def area() -> shapely.Polygon:
        x, y = rng.uniform(CITY[0], CITY[2] - w), rng.uniform(CITY[1], CITY[3] - h)
        return shapely.box(x, y, x + w, y + h)

    compute, full = [], []
    for _ in range(reps):
        a = area()
        t0 = time.perf_counter()
        exposure(layers, a)
        compute.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        with store.read() as conn:
            fresh = load_layers(conn, org)
        assert fresh is not None
        exposure(fresh, a)
        full.append((time.perf_counter() - t0) * 1000)
    return {"exposure (compute)": compute, "exposure (load + compute, as the API)": full}


def run(kind: str, args: argparse.Namespace) -> list[tuple[str, ...]]:
    workdir = fresh_dir(f"ogc-{kind}")
    pg_name = f"cityops_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    if kind == "postgresql":
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + pg_name
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    rng = random.Random(7)
    out: list[tuple[str, ...]] = []
    try:
        store = Store(url, read_pool_size=1)
        migrate.upgrade(store.write_engine)
        t0 = time.perf_counter()
        load_items(store, args.features, rng)
        org = load_city(store, args.wards, args.facilities, rng)
        print(f"[{kind}] loaded in {time.perf_counter() - t0:.1f} s", flush=True)
        with UrlServer(workdir, url=url) as srv:
            health = http_times(srv, lambda: "/health", args.reps)
            hm = statistics.median(health)
            out.append(
                (
                    kind,
                    "GET /health (limit)",
                    f"{len(health)}",
                    f"{hm:.2f}",
                    f"{pct(health, 0.99):.2f}",
                    "HTTP alone",
                )
            )
            for name, make in item_queries(rng).items():
                xs = http_times(srv, make, args.reps)
                p50 = statistics.median(xs)
                out.append(
                    (
                        kind,
                        name,
                        f"{len(xs)}",
                        f"{p50:.2f}",
                        f"{pct(xs, 0.99):.2f}",
                        f"{p50 - hm:+.2f} vs /health",
                    )
                )
                print("  ".join(out[-1]), flush=True)
        for name, xs in exposure_times(store, org, args.reps, rng).items():
            p99 = pct(xs, 0.99)
            verdict = "within" if p99 < EXPOSURE_LIMIT_MS else "OVER"
            what = f"{name}, {args.wards} wards, {args.facilities} facilities"
            out.append(
                (
                    kind,
                    what,
                    f"{len(xs)}",
                    f"{statistics.median(xs):.2f}",
                    f"{p99:.2f}",
                    f"limit {EXPOSURE_LIMIT_MS:.0f} ms: {verdict}",
                )
            )
            print("  ".join(out[-1]), flush=True)
        store.close()
        return out
    finally:
        if kind == "postgresql":
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--features", type=int, default=100_000)
    ap.add_argument("--wards", type=int, default=1000)
    ap.add_argument("--facilities", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    print(machine(), flush=True)
    rows: list[tuple[str, ...]] = [("database", "what", "n", "p50 ms", "p99 ms", "beside")]
    for kind in args.backends.split(","):
        rows += run(kind.strip(), args)
    print()
    print(table(f"OGC API items of {args.features:,} features; exposure", rows))


if __name__ == "__main__":
    main()
