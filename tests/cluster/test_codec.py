"""A write survives the trip through the stream unchanged (``cluster.codec``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from cityops.auth.principal import Principal, Role
from cityops.cluster.codec import Write, decode, encode
from cityops.datamodel.observation import ObservationIn


def test_a_write_comes_back_equal() -> None:
    ict = timezone(timedelta(hours=7))
    obs = [
        ObservationIn(
            5,
            datetime(2025, 9, 1, 7, 0, tzinfo=ict),
            datetime(2025, 9, 1, 8, 0, tzinfo=ict),
            result_json={"level": [1.5, None, "x"]},
            result_time=datetime(2025, 9, 1, tzinfo=UTC),
            result_quality="good",
            valid_start=datetime(2025, 9, 1, tzinfo=UTC),
            valid_end=datetime(2025, 9, 2, tzinfo=UTC),
            parameters={"p": 1},
            foi_new={"name": "f", "feature": {"type": "Point", "coordinates": [105.8, 15.1]}},
            receipt=("mqtt", "t3:id:m-1"),
            id=123,
        ),
        ObservationIn(6, datetime(2025, 9, 1, tzinfo=UTC), result_number=2.25, foi_id=9, id=124),
    ]
    who = Principal(Role.DEVICE, "gauge", org_id=2, token_id=3, thing_ids=frozenset({4, 7}))
    back = decode(encode(Write("bulk", who, obs, "203.0.113.5")))
    assert back == Write("bulk", who, obs, "203.0.113.5")
