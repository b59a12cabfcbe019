"""Publishing-profile checks: each failing rule names its field."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cityops.cap import Alert, Area, MsgType, check_profile, validate_alert
from cityops.errors import InvalidInput

from .conftest import sample_alert


def _with_info(alert: Alert, **changes: object) -> Alert:
    return replace(alert, infos=(replace(alert.infos[0], **changes), *alert.infos[1:]))


def test_sample_is_publishable(alert: Alert) -> None:
    assert validate_alert(alert) == []


@pytest.mark.parametrize("name", ["description", "web", "expires"])
def test_required_fields(alert: Alert, name: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_alert(_with_info(alert, **{name: None}))
    assert err.value.field == f"infos[0].{name}"


@pytest.mark.parametrize("name", ["instruction", "sender_name", "contact", "headline"])
def test_recommended_fields_warn(alert: Alert, name: str) -> None:
    issues = validate_alert(_with_info(alert, **{name: None}))
    assert [(i.field, i.level) for i in issues] == [(f"infos[0].{name}", "warning")]


def test_effective_after_expires(alert: Alert) -> None:
    info = alert.infos[0]
    bad = _with_info(alert, effective=info.expires + timedelta(minutes=1))
    with pytest.raises(InvalidInput) as err:
        validate_alert(bad)
    assert err.value.field == "infos[0].effective"


def test_area_needs_geometry(alert: Alert) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_alert(_with_info(alert, areas=(Area("somewhere"),)))
    assert err.value.field == "infos[0].areas"


def test_polygon_checked_in_profile(alert: Alert) -> None:
    bowtie = ((0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0))
    with pytest.raises(InvalidInput) as err:
        validate_alert(_with_info(alert, areas=(Area("x", polygons=(bowtie,)),)))
    assert err.value.field == "infos[0].areas[0].polygons[0]"


def test_headline_length_and_difference(alert: Alert) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_alert(_with_info(alert, headline="x" * 140))
    assert err.value.field == "infos[0].headline"
    same = alert.infos[0].description
    with pytest.raises(InvalidInput) as err:
        validate_alert(_with_info(alert, headline=same))
    assert "differ" in err.value.message


@pytest.mark.parametrize("kind", [MsgType.UPDATE, MsgType.CANCEL])
def test_update_and_cancel_need_references(alert: Alert, kind: MsgType) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_alert(replace(alert, msg_type=kind))
    assert err.value.field == "references"


def test_no_info(alert: Alert) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_alert(replace(alert, infos=()))
    assert err.value.field == "infos"


def test_same_category_and_event_code_across_infos(alert: Alert) -> None:
    other = replace(alert.infos[1], category=("Health",))
    issues = check_profile(replace(alert, infos=(alert.infos[0], other)))
    assert any(i.field == "infos[1].category" for i in issues)


def test_unknown_values_warn() -> None:
    alert = sample_alert()
    issues = check_profile(_with_info(alert, certainty="Unknown"))
    assert [i.field for i in issues] == ["infos[0].certainty"]
    assert issues[0].level == "warning"
