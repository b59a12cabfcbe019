"""The MRC Pakse export, read with plain Python (never copied into the repository), and
the danger crossings expected from its raw numbers: the oracle of the Pakse tests.

The header says "Timestamp (UTC+07:00)" but every value ends in ``Z``: we take the ``Z``
as true UTC (then the first value, 1959-12-31T17:00Z, is local midnight of 1960-01-01).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

CSV = Path("/work/shared/data/mekong/pakse_water_level_MRC_013901.csv")
LOCAL = timezone(timedelta(hours=7))


def read_pakse() -> list[tuple[datetime, float]]:
    rows = []
    with CSV.open(newline="") as f:
        for row in csv.DictReader(f):
            stamp = datetime.strptime(row["Timestamp (UTC+07:00)"], "%Y-%m-%dT%H:%MZ")
            rows.append((stamp.replace(tzinfo=UTC), float(row["Value"])))
    rows.sort()
    return rows


def season(when: datetime) -> int:
    """Hydrological season: May to April (local time), named by the year it starts."""
    local = when.astimezone(LOCAL)
    return local.year if local.month >= 5 else local.year - 1


def expected_danger(
    rows: list[tuple[datetime, float]], cooldown: timedelta = timedelta(0)
) -> tuple[dict[int, list[date]], dict[int, float]]:
    """Per season: the local days of the first 12.0 m crossing of each flood episode, and
    the season's peak. An episode ends once the river has stayed below 11.0 m for
    ``cooldown`` (from its first reading below to a later reading still below); a rise
    above 11.0 m before that continues it."""
    starts: dict[int, list[date]] = defaultdict(list)
    peak: dict[int, float] = defaultdict(float)
    in_danger = False
    below_since: datetime | None = None
    for when, value in rows:
        key = season(when)
        peak[key] = max(peak[key], value)
        if value >= 11.0:
            below_since = None
        elif below_since is None:
            below_since = when
        if value >= 12.0 and not in_danger:
            starts[key].append(when.astimezone(LOCAL).date())
            in_danger = True
        elif below_since is not None and when - below_since >= cooldown:
            in_danger = False
    return starts, peak
