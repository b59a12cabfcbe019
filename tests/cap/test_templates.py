"""Templates: every hazard x level x language renders, in the right script, into valid CAP."""

from __future__ import annotations

import re
import unicodedata

import pytest

from cityops.cap import HAZARDS, LANGUAGES, LEVELS, Alert, build_alert_xml, draft_infos
from cityops.cap.templates import (
    HAZARD_SPECS,
    TEXT_FIELDS,
    cap_word,
    load_templates,
    placeholders,
    shorten,
)
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
            for level in HAZARD_SPECS[hazard].levels:
                for name in (*TEXT_FIELDS, "description_below"):
                    if name not in en[hazard][level]:
                        assert name not in data[hazard][level]
                        continue
                    text = data[hazard][level][name]
                    # same placeholders as the English source, no more, no fewer
                    assert placeholders(text) == placeholders(en[hazard][level][name]), (
                        code,
                        hazard,
                        level,
                        name,
                    )


_ALL = [(h, lv) for h in HAZARDS for lv in (*HAZARD_SPECS[h].levels, *LEVELS)]


@pytest.mark.parametrize(("hazard", "level"), _ALL)
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
    (danger,) = draft_infos("heat", "Extreme danger", CONTEXT)
    (clear,) = draft_infos("heat", "all_clear", CONTEXT)
    assert (watch.severity, watch.urgency) == ("Minor", "Expected")
    assert (danger.severity, danger.urgency) == ("Extreme", "Immediate")
    assert clear.response_type == ("AllClear",) and clear.urgency == "Past"
    assert "Extreme heat" in clear.headline


AQI = ("Moderate", "Unhealthy for Sensitive Groups", "Unhealthy", "Very Unhealthy", "Hazardous")
RANK = {"Minor": 1, "Moderate": 2, "Severe": 3, "Extreme": 4}


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_aqi_category_has_its_own_text(code: str) -> None:
    infos = [draft_infos("air_quality", name, {**CONTEXT, "value": 71}, [code])[0] for name in AQI]
    for field in ("headline", "description", "instruction"):
        texts = [getattr(i, field) for i in infos]
        assert len(set(texts)) == len(AQI), (code, field, texts)
    ranks = [RANK[i.severity] for i in infos]
    assert ranks == sorted(ranks)  # never less severe as the category rises


def test_aqi_71_is_moderate_not_sensitive_groups() -> None:
    (info,) = draft_infos("air_quality", "Moderate", {**CONTEXT, "value": 71})
    assert "moderate" in info.description and "sensitive groups" not in info.description
    assert info.severity == "Minor"


def test_river_level_below_its_threshold_is_not_called_above() -> None:
    """A level raised by the rate of rise or a forecast: the value is still under it."""
    ctx = {**CONTEXT, "value": 11.6, "threshold": 12.0, "level_name": "danger"}
    (info,) = draft_infos("river_flood", "danger", ctx)
    assert "rising fast towards the danger level of 12 m" in info.description
    assert "above" not in info.description


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_cap_words_translated(code: str) -> None:
    en = load_templates("en")["words"]
    for field, values in en.items():
        for value in values:
            word = cap_word(code, field, value)
            assert word
            if code != "en":  # every CAP word has its own translation, "Moderate" too
                assert word != value, (code, field, value)


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_long_place_names_are_cut_safely(code: str) -> None:
    name = {
        "km": "ស្ថានីយ៍ស្ទឹងត្រែង",
        "th": "สถานีวัดน้ำเชียงแสน",
        "lo": "ສະຖານີປາກເຊ",
        "my": "မြစ်ကြီးနားမြို့ ရေတိုင်းစခန်း",
    }.get(code, "Station Sông Hồng Hà Nội")
    ctx = {**CONTEXT, "station": name * 12, "level_name": "danger"}
    (info,) = draft_infos("river_flood", "danger", ctx, [code])
    assert len(info.headline) < 140
    assert "…" in info.headline
    cut = info.headline.index("…")
    assert info.headline[cut - 1] not in ("\u17d2", "\u1039")  # no dangling joiner
    # the hazard words survive: only the place name was shortened
    assert (
        info.headline.split(" ")[0]
        == draft_infos("river_flood", "danger", CONTEXT, [code])[0].headline.split(" ")[0]
    )


def test_shorten_never_splits_a_cluster() -> None:
    text = "ស្ទឹងត្រែង" * 3  # Khmer: coeng + consonant, vowel signs
    for limit in range(2, len(text)):
        out = shorten(text, limit)
        assert len(out) <= limit
        body = out.rstrip("…")
        if body:
            assert body[-1] != "\u17d2"
            rest = text[len(body) :]
            assert not rest or unicodedata.category(rest[0])[0] != "M"


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


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_pakse_levels_named_and_quoted_in_every_language(code: str) -> None:
    """Pakse (Lao DMH): warning 11.0 m, danger 12.0 m; at 11.3 m and 12.4 m each text names
    the level that was crossed, in the language's words, with that level's threshold."""
    names = load_templates(code)["river_flood"]["level_names"]
    for level, threshold, value, other in (
        ("warning", 11.0, 11.3, "danger"),
        ("danger", 12.0, 12.4, "warning"),
    ):
        ctx = {**CONTEXT, "value": value, "threshold": threshold, "level_name": level}
        (info,) = draft_infos("river_flood", level, ctx, [code])
        assert (
            f"{names[level]} {threshold:g} " in info.description
            or (f"{names[level]} of {threshold:g} m" in info.description)
            or f"{names[level]} na {threshold:g} m" in info.description
        ), info.description
        assert names[other] not in info.description
        assert f"{value:g}" in info.headline
