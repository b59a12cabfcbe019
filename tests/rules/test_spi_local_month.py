"""SPI monthly totals are summed by the station's local month (the city's time zone),
not the UTC month (issue 17, item 8)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from cityops.alerting.active import load_active
from cityops.rules.drought import monthly_totals
from cityops.store.base import Store
from tests.alerting.support import add_rule, make_datastream
from tests.helpers import make_org

BANGKOK = ZoneInfo("Asia/Bangkok")


def _t(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_rain_on_the_first_local_morning_counts_for_the_new_month() -> None:
    # 31 Jan 20:00 UTC is 1 Feb 03:00 in Bangkok: February rain there
    t = np.array([_t("2024-01-10T00:00+00:00"), _t("2024-01-31T20:00+00:00")])
    v = np.array([5.0, 40.0])
    starts, totals = monthly_totals(t, v, BANGKOK)
    assert totals.tolist() == [5.0, 40.0]
    assert starts[0] == _t("2024-01-01T00:00+07:00") and starts[1] == _t("2024-02-01T00:00+07:00")
    utc_starts, utc_totals = monthly_totals(t, v)
    assert utc_totals.tolist() == [45.0]  # UTC months: the default without a zone


def test_a_city_rule_sums_by_the_city_month(store: Store) -> None:
    make_org(store, "bangkok", timezone="Asia/Bangkok", languages=["th"])
    ds = make_datastream(store, org="bangkok", unit="mm", name="rain")
    add_rule(
        store,
        name="drought-bkk",
        type="drought_spi",
        subject="Bangkok",
        organisation="bangkok",
        inputs={"precipitation": ds},
    )
    with store.read() as conn:
        [active], broken = load_active(conn)
    assert not broken and active.rule.zone == BANGKOK
    assert datetime(2024, 2, 1, tzinfo=BANGKOK) != datetime(2024, 2, 1, tzinfo=UTC)
