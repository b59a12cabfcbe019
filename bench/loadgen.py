"""A small HTTP/1.1 load generator: N keep-alive connections, each POSTing one
Observation after another, run in its own process so that it does not share the
server's event loop.

It speaks raw HTTP over asyncio streams (uvloop when available) instead of using httpx:
on a 2-core machine the client shares the CPUs with the server, and httpx spends about
ten times more CPU per request than this loop, which would cap the figure we measure.

Prints one JSON object: requests per status, the rate of 201s in the measured window,
latency percentiles and, with ``--ids``, the id of every Observation answered 201.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

_LOCATION = re.compile(rb"\r\nlocation: [^\r]*\((\d+)\)", re.IGNORECASE)
_LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)", re.IGNORECASE)


@dataclass
class Tally:
    """What all connections saw."""

    start: float
    warmup_end: float
    statuses: dict[int, int] = field(default_factory=dict)
    measured: int = 0
    latencies: list[float] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _body(datastream: int, n: int, t0: datetime) -> bytes:
    when = (t0 + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f'{{"phenomenonTime":"{when}","result":{n % 1000 / 10},'
        f'"Datastream":{{"@iot.id":{datastream}}}}}'
    ).encode()


async def _connection(
    args: argparse.Namespace, datastream: int, tally: Tally, stop_at: float
) -> None:
    reader, writer = await asyncio.open_connection(args.host, args.port)
    head = (
        f"POST {args.path} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
        f"Authorization: Bearer {args.token}\r\nContent-Type: application/json\r\n"
        "Content-Length: "
    ).encode()
    t0 = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=datastream)
    n = 0
    try:
        while time.monotonic() < stop_at:
            n += 1
            body = _body(datastream, n, t0)
            sent = time.monotonic()
            writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
            headers = await reader.readuntil(b"\r\n\r\n")
            m = _LENGTH.search(headers)
            if m:
                await reader.readexactly(int(m.group(1)))
            done = time.monotonic()
            status = int(headers[9:12])
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
            if status == 201:
                if args.ids:
                    loc = _LOCATION.search(headers)
                    tally.ids.append(int(loc.group(1)) if loc else -1)
                if sent >= tally.warmup_end:
                    tally.measured += 1
                    tally.latencies.append(done - sent)
    except (OSError, asyncio.IncompleteReadError) as exc:
        tally.errors.append(type(exc).__name__)
        if not args.until_error:
            raise
    finally:
        writer.close()


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Drive the server; return the tally as a plain dict."""
    streams = [int(x) for x in args.datastreams.split(",")]
    now = time.monotonic()
    tally = Tally(now, now + args.warmup)
    stop_at = now + args.warmup + args.seconds
    await asyncio.gather(
        *(_connection(args, streams[i % len(streams)], tally, stop_at) for i in range(args.conns))
    )
    window = min(time.monotonic(), stop_at) - tally.warmup_end
    return {
        "statuses": tally.statuses,
        "measured_201": tally.measured,
        "window_s": window,
        "rate": tally.measured / window if window > 0 else 0.0,
        "p50_ms": _percentile(tally.latencies, 50) * 1000,
        "p99_ms": _percentile(tally.latencies, 99) * 1000,
        "ids": tally.ids,
        "errors": tally.errors,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/v1.1/Observations")
    p.add_argument("--token", default="none")
    p.add_argument("--datastreams", default="1", help="comma-separated Datastream ids")
    p.add_argument("--conns", type=int, default=32)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--ids", action="store_true", help="report the id of every 201")
    p.add_argument(
        "--until-error",
        action="store_true",
        help="a connection error ends that connection quietly (durability)",
    )
    args = p.parse_args()
    try:
        import uvloop
    except ImportError:
        out = asyncio.run(run(args))
    else:
        out = uvloop.run(run(args))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
