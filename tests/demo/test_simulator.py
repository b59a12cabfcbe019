"""The simulator's clock: history first, never twice, never later than the wall clock."""

from __future__ import annotations

from cityops.demo.simulator import SimConfig, history_body


def test_history_starts_before_now_and_resumes_after_what_is_stored() -> None:
    cfg = SimConfig("http://x", now=1_000_000.0, history=86_400.0)
    assert cfg.history_from == cfg.start == 1_000_000.0 - 86_400.0
    restarted = SimConfig("http://x", now=1_000_000.0, history=86_400.0, resume_after=990_000.0)
    assert restarted.history_from == 990_000.0 + restarted.history_step  # nothing sent twice
    long_off = SimConfig("http://x", now=1_000_000.0, history=3_600.0, resume_after=10.0)
    assert long_off.history_from == long_off.start  # a long pause: the usual history only


def test_history_body_groups_rows_by_datastream_in_time_order() -> None:
    body = history_body([(0.0, [(1, 1.5), (2, 20.0)]), (900.0, [(1, 1.6)])])
    assert body == [
        {
            "Datastream": {"@iot.id": 1},
            "components": ["phenomenonTime", "result"],
            "dataArray": [["1970-01-01T00:00:00Z", 1.5], ["1970-01-01T00:15:00Z", 1.6]],
        },
        {
            "Datastream": {"@iot.id": 2},
            "components": ["phenomenonTime", "result"],
            "dataArray": [["1970-01-01T00:00:00Z", 20.0]],
        },
    ]
