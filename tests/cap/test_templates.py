"""Templates: every hazard x level x language renders, in the right script, into valid CAP."""

from __future__ import annotations

import re
import unicodedata

import pytest

from cityops.cap import HAZARDS, LANGUAGES, LEVELS, Alert, build_alert_xml, draft_infos
from cityops.cap.templates import load_templates, placeholders
from cityops.errors import InvalidInput

from .conftest import CONTEXT, assert_valid_cap, sample_alert

SCRIPTS = {"th": "THAI", "km": "KHMER", "lo": "LAO", "my": "MYANMAR"}
LATIN_MARKERS = {"vi": "ư", "en": "the", "id": "di", "ms": "di", "fil": "ng"}


def _script_share(text: str, script: str) -> float:
    letters = [c for c in text if c.isalpha()]
    hits = [c for c in letters if unicodedata.name(c, "").startswith(script)]
    return len(hits) / max(len(letters), 1)


def test_all_files_have_every_hazard_and_level() -> None:
    en = load_templates("en")
    for code in LANGUAGES:
        data = load_templates(code)
        assert data["language"] == LANGUAGES[code]
        for hazard in HAZARDS:
            assert data[hazard]["event"]
            for level in ("moderate", "severe", "extreme"):
                for name in ("headline", "description", "instruction"):
                    text = data[hazard][level][name]
                    # same placeholders as the English source, no more, no fewer
                    assert placeholders(text) == placeholders(en[hazard][level][name]), (
                        code,
                        hazard,
                        level,
                        name,
                    )


@pytest.mark.parametrize("hazard", HAZARDS)
@pytest.mark.parametrize("level", LEVELS)
def test_every_hazard_level_language_is_valid_cap(hazard: str, level: str) -> None:
    alert = sample_alert(tuple(LANGUAGES), hazard=hazard, level=level)
    assert [i.language for i in alert.infos] == list(LANGUAGES.values())
    for info in alert.infos:
        for text in (info.event, info.headline, info.description, info.instruction):
            assert text and "{" not in text and "}" not in text
        assert len(info.headline) < 140 and info.headline != info.description
    xml = build_alert_xml(alert)
    assert_valid_cap(xml)


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_language_rendered_in_its_script(code: str) -> None:
    (info,) = draft_infos("river_flood", "danger", CONTEXT, [code])
    text = f"{info.headline} {info.description} {info.instruction}"
    assert "Pakse" in info.description and "12.4" in info.description
    if code in SCRIPTS:
        # station and city names stay Latin; the rest is in the language's own script
        assert _script_share(text, SCRIPTS[code]) > 0.7, text
    else:
        assert _script_share(text, "LATIN") > 0.95
        assert re.search(LATIN_MARKERS[code], text), text


def test_level_aliases_and_cap_values() -> None:
    (watch,) = draft_infos("heat", "watch", CONTEXT)
    (danger,) = draft_infos("heat", "Danger", CONTEXT)
    (clear,) = draft_infos("heat", "all_clear", CONTEXT)
    assert (watch.severity, watch.urgency) == ("Moderate", "Expected")
    assert (danger.severity, danger.urgency) == ("Extreme", "Immediate")
    assert clear.response_type == ("AllClear",) and clear.urgency == "Past"
    assert "Extreme heat" in clear.headline


def test_language_tags_accepted() -> None:
    infos = draft_infos("drought", "severe", CONTEXT, ["vi-VN", "fil_PH", "vi"])
    assert [i.language for i in infos] == ["vi-VN", "fil-PH"]


def test_missing_placeholder_named() -> None:
    with pytest.raises(InvalidInput) as err:
        draft_infos("river_flood", "severe", {"city": "Pakse"}, ["th"])
    assert err.value.field.startswith("context.")


@pytest.mark.parametrize(
    "args", [("tsunami", "severe", "en"), ("heat", "purple", "en"), ("heat", "severe", "fr")]
)
def test_unknown_inputs(args: tuple[str, str, str]) -> None:
    hazard, level, lang = args
    with pytest.raises(InvalidInput):
        draft_infos(hazard, level, CONTEXT, [lang])


def test_operator_can_edit_a_draft() -> None:
    from dataclasses import replace

    alert = sample_alert(("en", "km"))
    edited = replace(alert.infos[1], instruction="សូមស្តាប់វិទ្យុ។")
    alert2 = Alert(alert.identifier, alert.sender, alert.sent, infos=(alert.infos[0], edited))
    assert_valid_cap(build_alert_xml(alert2))
    assert alert.infos[1].instruction != edited.instruction
