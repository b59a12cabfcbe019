"""Which worker process runs MQTT under which client id (lock files on this host)."""

from __future__ import annotations

from pathlib import Path

from cityops.mqtt.worker import claim, claim_slot


def test_one_holder_of_a_client_id_until_it_lets_go(tmp_path: Path) -> None:
    first = claim("cityops", tmp_path)
    assert first is not None
    assert claim("cityops", tmp_path) is None  # a second worker: HTTP only
    assert claim("cityops-other", tmp_path) is not None  # another id is free
    first.close()  # the holder stopped (or died: the lock ends with its process)
    again = claim("cityops", tmp_path)
    assert again is not None
    again.close()


def test_shared_group_slots_are_stable_and_reused(tmp_path: Path) -> None:
    a_id, a = claim_slot("cityops", tmp_path)
    b_id, b = claim_slot("cityops", tmp_path)
    assert (a_id, b_id) == ("cityops-0", "cityops-1")
    assert a is not None and b is not None
    a.close()  # worker 0 restarts: its successor takes over slot 0 and its session
    c_id, c = claim_slot("cityops", tmp_path)
    assert c_id == "cityops-0"
    for handle in (b, c):
        assert handle is not None
        handle.close()
