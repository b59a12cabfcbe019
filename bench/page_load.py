"""Page load of every page (load event and network idle) in headless Chromium, on the demo
world and on the same world with N more observations (default 10 million), and the time
from a committed observation to its value on the open dashboard (issue 18).

The demo is the real one (``cityops demo``: seeded world, server and simulator on the wall
clock) on a fresh SQLite file. Each page is opened ``--reps`` times after one unmeasured
visit, as Tam Kỳ's city admin; the times come from the browser's Navigation and Resource
Timing: ``load`` is the load event's end, ``idle`` the end of the last request the page
made (the live-events stream left out: it stays open by design). The limit beside them is
the same browser opening ``/health`` on the same server (one request, nothing to render).

Then the demo is stopped, N observations are bulk-loaded into the city's datastreams over
the year before (raw ``executemany``, indexes rebuilt after, ANALYZE), the demo restarted
on the same file, and every page measured again.

Dashboard latency: /ops open, an observation POSTed (admin token) with a value the station
list does not show yet; a MutationObserver in the page notes the wall-clock time its text
appears. Printed from the POST's 201 (the commit) and from sending it, beside the limit:
the POST's own round trip.

    .venv/bin/python bench/page_load.py                       # 10 M observations
    .venv/bin/python bench/page_load.py --observations 100000 --reps 2 --samples 5  # smoke
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from bench._common import CITYOPS, admin_token, free_port, fresh_dir, machine, table  # noqa: E402

from cityops.demo.setup import demo_users  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
CITY = "tam-ky"
ANONYMOUS_PAGES = ["/login", "/public", "/docs"]
PAGES = ["/ops", "/ops/alerts", "/ops/data", "/ops/network", "/ops/stations/{station}"]
PAGES += ["/ops/programmes", "/ops/admin"]
OBS_INDEXES = ("ix_observations_ds_time", "ix_observations_foi")
TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const ends = performance.getEntriesByType('resource')
    .filter(r => !r.name.includes('/api/events') && r.responseEnd > 0).map(r => r.responseEnd);
  return [nav.loadEventEnd, Math.max(nav.loadEventEnd, ...ends)];
}"""
#: Notes in the page the wall-clock time the wanted text appears in the station list (a
#: MutationObserver; the test reads the note afterwards, so polling adds nothing to it).
WATCH = """(wanted) => {
  window.benchSeenAt = null;
  const box = document.getElementById('station-list');
  const obs = new MutationObserver(() => {
    if (box.textContent.includes(wanted)) { window.benchSeenAt = Date.now(); obs.disconnect(); }
  });
  obs.observe(box, { childList: true, subtree: true, characterData: true });
}"""
SEEN_AT = "() => window.benchSeenAt"


class Demo:
    """``cityops demo`` on one SQLite file (started again on the same file for phase 2)."""

    def __init__(self, workdir: Path, history_days: float) -> None:
        self.workdir, self.history_days = workdir, history_days
        self.db = workdir / "demo.db"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.workdir / "demo.log", "ab")  # noqa: SIM115 (the process keeps it)
        cmd = [CITYOPS, "demo", "-d", f"sqlite:///{self.db}", "--port", str(self.port)]
        cmd += ["--history-days", str(self.history_days)]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:  # up, and the history sent (the count settles)
            if self.proc.poll() is not None:
                raise RuntimeError(f"demo exited with {self.proc.returncode}: see demo.log")
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        last, still = -1, 0
        while still < 3:
            time.sleep(2)
            n = self.count()
            still, last = (still + 1, n) if n == last else (0, n)

    def count(self) -> int:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as con:
            return int(con.execute("SELECT count(*) FROM observations").fetchone()[0])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(60)
        self.proc = None


def bulk_load(db: Path, n: int) -> int:
    """``n`` observations over the year before the demo's history, spread over the city's
    datastreams that have readings (each with the FeatureOfInterest its readings use)."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA cache_size=-262144")
    pairs = con.execute(
        "SELECT DISTINCT o.datastream_id, o.feature_of_interest_id FROM observations o "
        "JOIN datastreams d ON d.id = o.datastream_id JOIN organisations g ON g.id = d.org_id "
        "WHERE g.slug = ? AND o.result_number IS NOT NULL",
        (CITY,),
    ).fetchall()
    first = con.execute("SELECT min(phenomenon_time_start) FROM observations").fetchone()[0]
    end = datetime.fromisoformat(str(first)[:19]).replace(tzinfo=UTC)
    per = max(1, n // len(pairs))
    step = timedelta(days=365) / per
    ddl = [
        r[0]
        for r in con.execute(
            f"SELECT sql FROM sqlite_master WHERE type='index' AND name IN {OBS_INDEXES}"
        )
    ]
    for name in OBS_INDEXES:
        con.execute(f"DROP INDEX {name}")
    sql = (
        "INSERT INTO observations (datastream_id, feature_of_interest_id, "
        "phenomenon_time_start, result_number) VALUES (?, ?, ?, ?)"
    )
    for ds, foi in pairs:
        for lo in range(0, per, 100_000):
            rows = [
                (ds, foi, (end - step * (per - i)).strftime("%Y-%m-%d %H:%M:%S.%f"), i % 97 / 10)
                for i in range(lo, min(per, lo + 100_000))
            ]
            con.execute("BEGIN")
            con.executemany(sql, rows)
            con.execute("COMMIT")
    for stmt in ddl:
        con.execute(stmt)
    con.execute("ANALYZE")
    con.close()
    return per * len(pairs)


def _stats(values: list[float]) -> tuple[str, str]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"{statistics.median(ordered):,.0f}", f"{p90:,.0f}"


def _open(page: Any, url: str) -> tuple[float, float]:
    page.goto(url, wait_until="load")
    try:
        page.wait_for_load_state("networkidle", timeout=30_000)
    except Exception:  # noqa: BLE001 (a page that never goes idle is timed at that point)
        pass
    load, idle = page.evaluate(TIMING)
    return float(load), float(idle)


def measure_pages(browser: Any, demo: Demo, station: int, reps: int) -> list[tuple[str, ...]]:
    """Median and p90 (ms) of load event and network idle per page, and the limit."""
    login = next(u for u in demo_users() if u.org == CITY and u.role == "city_admin")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    page = context.new_page()
    rows: list[tuple[str, ...]] = [("page", "load ms (median)", "p90", "idle ms (median)", "p90")]

    def row(path: str) -> None:
        url = demo.base + path.format(station=station)
        _open(page, url)  # warm: caches, first compiles
        got = [_open(page, url) for _ in range(reps)]
        rows.append((path, *_stats([g[0] for g in got]), *_stats([g[1] for g in got])))

    row("/health")
    rows[-1] = ("limit: /health", *rows[-1][1:])
    for path in ANONYMOUS_PAGES:
        row(path)
    page.goto(demo.base + "/login")
    page.get_by_label("User name").fill(login.username)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(demo.base + "/ops")
    for path in PAGES:
        row(path)
    context.close()
    return rows


def dashboard_latency(browser: Any, demo: Demo, token: str, samples: int) -> list[str]:
    """Committed observation -> its value in the open dashboard's station list."""
    login = next(u for u in demo_users() if u.org == CITY and u.role == "city_admin")
    headers = {"Authorization": f"Bearer {token}"}
    api = httpx.Client(base_url=demo.base, headers=headers, timeout=30)
    doc = api.get("/api/web/stations", params={"org": CITY}).json()
    streams = [d for st in doc["stations"] for d in st["datastreams"]]
    shown_values = [d for d in streams if d["last_value"] is not None]
    # a datastream without levels: the new values open no incident (nothing else changes)
    ds = next((d for d in shown_values if not d["levels"]), shown_values[0])
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(demo.base + "/login")
    page.get_by_label("User name").fill(login.username)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(demo.base + "/ops")
    page.locator("#station-list li[data-station]").first.wait_for()
    from_commit: list[float] = []
    from_send: list[float] = []
    round_trip: list[float] = []
    missed = 0
    decimals = int(ds["decimals"])
    for k in range(samples):
        value = round(float(ds["last_value"]) + (k + 1) * 7 * 10.0**-decimals, decimals)
        shown = f"{value:.{decimals}f}"
        if shown in page.locator("#station-list").inner_text():
            continue  # already on the list: not a change to wait for
        page.evaluate(WATCH, shown)
        body = {
            "Datastream": {"@iot.id": ds["id"]},
            "phenomenonTime": datetime.now(UTC).isoformat(),
            "result": value,
        }
        sent = time.time() * 1000
        r = api.post("/v1.1/Observations", json=body)
        committed = time.time() * 1000
        r.raise_for_status()
        deadline = time.monotonic() + 15
        while page.evaluate(SEEN_AT) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        seen_at = page.evaluate(SEEN_AT)
        if seen_at is None:
            missed += 1
            continue
        appeared = float(seen_at)
        from_commit.append(appeared - committed)
        from_send.append(appeared - sent)
        round_trip.append(committed - sent)
        time.sleep(0.5)
    context.close()
    api.close()
    med = statistics.median
    if not from_commit:
        return [f"committed observation -> value on the open dashboard: none of {samples} shown"]
    return [
        f"committed observation -> value on the open dashboard ({samples} samples, "
        f"datastream {ds['id']} {ds['name']!r}):",
        f"  from the 201 (commit): median {med(from_commit):,.0f} ms, "
        f"max {max(from_commit):,.0f} ms",
        f"  from sending the POST: median {med(from_send):,.0f} ms, max {max(from_send):,.0f} ms",
        f"  limit: the POST's round trip: median {med(round_trip):,.0f} ms",
        f"  not shown within 15 s: {missed}",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--observations", type=int, default=10_000_000, help="0: demo only")
    ap.add_argument("--reps", type=int, default=5, help="measured visits per page")
    ap.add_argument("--samples", type=int, default=20, help="dashboard latency samples")
    ap.add_argument("--history-days", type=float, default=3.0)
    args = ap.parse_args()
    if not os.path.exists(CHROMIUM):
        sys.exit(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    workdir = fresh_dir("pageload")
    demo = Demo(workdir, args.history_days)
    print(machine())
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            demo.start()
            token = admin_token(f"sqlite:///{demo.db}")
            station = int(
                httpx.get(
                    f"{demo.base}/api/web/stations",
                    params={"org": CITY},
                    headers={"Authorization": f"Bearer {token}"},
                ).json()["stations"][0]["id"]
            )
            n0 = demo.count()
            rows = measure_pages(browser, demo, station, args.reps)
            print(table(f"Demo world ({n0:,} observations), Chromium 1440x900", rows))
            print("\n".join(dashboard_latency(browser, demo, token, args.samples)))
            if args.observations:
                demo.stop()
                started = time.perf_counter()
                added = bulk_load(demo.db, args.observations)
                loaded = time.perf_counter() - started
                demo.start()
                n1 = demo.count()
                print(f"\nbulk-loaded {added:,} observations in {loaded:.0f} s")
                rows = measure_pages(browser, demo, station, args.reps)
                print(table(f"Large store ({n1:,} observations), Chromium 1440x900", rows))
                print("\n".join(dashboard_latency(browser, demo, token, args.samples)))
        finally:
            demo.stop()
            browser.close()
    print(f"(work files in {workdir})")


if __name__ == "__main__":
    main()
