"""Translatable alert texts per hazard and level, and drafting of CAP ``info`` blocks.

Texts live in ``templates/<lang>.toml`` (one file per language, so translators edit data, not
code) with ``{placeholders}`` filled from a context mapping. What does not depend on the
language (category, urgency, severity, response types) is set here per hazard and level.
``draft_infos`` returns ordinary :class:`Info` objects an operator may edit before issue
(``dataclasses.replace``).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from cityops.cap.model import (
    Area,
    Category,
    Certainty,
    Info,
    ResponseType,
    Severity,
    Urgency,
    ValuePair,
    coerce_enum,
)
from cityops.errors import InvalidInput

TEMPLATE_DIR = Path(__file__).parent / "templates"

#: Short code (file name) -> CAP/RFC 5646 language tag.
LANGUAGES: dict[str, str] = {
    "en": "en-US",
    "vi": "vi-VN",
    "th": "th-TH",
    "km": "km-KH",
    "lo": "lo-LA",
    "id": "id-ID",
    "ms": "ms-MY",
    "fil": "fil-PH",
    "my": "my-MM",
}
HAZARDS = ("river_flood", "heavy_rain", "heat", "air_quality", "drought", "sensor_failure")
LEVELS = ("moderate", "severe", "extreme", "all_clear")
#: Other names of a level used by national services (MRC, DMH, PAGASA ...).
LEVEL_ALIASES = {
    "watch": "moderate",
    "advisory": "moderate",
    "alert": "moderate",
    "yellow": "moderate",
    "warning": "severe",
    "alarm": "severe",
    "orange": "severe",
    "danger": "extreme",
    "emergency": "extreme",
    "red": "extreme",
    "flood": "extreme",
    "allclear": "all_clear",
    "all-clear": "all_clear",
    "ended": "all_clear",
}
#: Name of the eventCode carrying the CityOps hazard key (same in every info of an alert).
EVENT_CODE_NAME = "CityOpsHazard"


@dataclass(frozen=True)
class HazardSpec:
    """Language-independent CAP fields of one hazard."""

    category: tuple[Category, ...]
    responses: Mapping[str, tuple[ResponseType, ...]]


HAZARD_SPECS: dict[str, HazardSpec] = {
    "river_flood": HazardSpec(
        (Category.MET,),
        {
            "moderate": (ResponseType.MONITOR, ResponseType.PREPARE),
            "severe": (ResponseType.PREPARE, ResponseType.AVOID),
            "extreme": (ResponseType.EVACUATE, ResponseType.AVOID),
        },
    ),
    "heavy_rain": HazardSpec(
        (Category.MET,),
        {
            "moderate": (ResponseType.MONITOR,),
            "severe": (ResponseType.PREPARE, ResponseType.AVOID),
            "extreme": (ResponseType.AVOID, ResponseType.EVACUATE),
        },
    ),
    "heat": HazardSpec(
        (Category.MET, Category.HEALTH),
        {
            "moderate": (ResponseType.MONITOR,),
            "severe": (ResponseType.PREPARE, ResponseType.AVOID),
            "extreme": (ResponseType.AVOID,),
        },
    ),
    "air_quality": HazardSpec(
        (Category.ENV, Category.HEALTH),
        {
            "moderate": (ResponseType.MONITOR,),
            "severe": (ResponseType.AVOID,),
            "extreme": (ResponseType.SHELTER, ResponseType.AVOID),
        },
    ),
    "drought": HazardSpec(
        (Category.MET, Category.ENV),
        {
            "moderate": (ResponseType.MONITOR,),
            "severe": (ResponseType.PREPARE,),
            "extreme": (ResponseType.EXECUTE,),
        },
    ),
    "sensor_failure": HazardSpec(
        (Category.INFRA,),
        {
            "moderate": (ResponseType.MONITOR,),
            "severe": (ResponseType.MONITOR,),
            "extreme": (ResponseType.MONITOR, ResponseType.ASSESS),
        },
    ),
}
_SEVERITY = {
    "moderate": Severity.MODERATE,
    "severe": Severity.SEVERE,
    "extreme": Severity.EXTREME,
    "all_clear": Severity.MINOR,
}
_URGENCY = {
    "moderate": Urgency.EXPECTED,
    "severe": Urgency.EXPECTED,
    "extreme": Urgency.IMMEDIATE,
    "all_clear": Urgency.PAST,
}
TEXT_FIELDS = ("headline", "description", "instruction")


def language_code(language: str) -> str:
    """Map ``vi``, ``vi-VN`` or ``VI_vn`` to the template key ``vi``; unknown -> InvalidInput."""
    key = language.replace("_", "-").split("-")[0].lower()
    if key not in LANGUAGES:
        raise InvalidInput(
            f"no templates for language {language!r}; have {', '.join(sorted(LANGUAGES))}",
            field="languages",
        )
    return key


@cache
def load_templates(code: str) -> dict[str, Any]:
    """The parsed template file of one language (``en``, ``vi`` ...), cached."""
    path = TEMPLATE_DIR / f"{language_code(code)}.toml"
    with path.open("rb") as handle:
        return tomllib.load(handle)


def normalize_level(level: str) -> str:
    """Canonical level name (moderate/severe/extreme/all_clear) for a level or its alias."""
    key = level.strip().lower().replace(" ", "_")
    key = LEVEL_ALIASES.get(key, key)
    if key not in LEVELS:
        raise InvalidInput(
            f"unknown level {level!r}; use one of {', '.join(LEVELS)}", field="level"
        )
    return key


def placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in a template string."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _fmt(value: Any) -> str:
    """Context values as text: floats without float noise (12.30000001 -> 12.3)."""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def render(text: str, context: Mapping[str, Any], field: str = "context") -> str:
    """Fill ``text``'s placeholders from ``context``; a missing one raises InvalidInput."""
    missing = sorted(placeholders(text) - set(context))
    if missing:
        raise InvalidInput(
            f"missing placeholder value(s): {', '.join(missing)}", field=f"{field}.{missing[0]}"
        )
    return text.format_map({k: _fmt(v) for k, v in context.items()})


def hazard_texts(
    hazard: str, level: str, context: Mapping[str, Any], language: str
) -> dict[str, str]:
    """Rendered ``event``, ``headline``, ``description``, ``instruction`` in one language."""
    if hazard not in HAZARD_SPECS:
        raise InvalidInput(
            f"unknown hazard {hazard!r}; use one of {', '.join(HAZARDS)}", field="hazard"
        )
    level = normalize_level(level)
    data = load_templates(language)
    event = data[hazard]["event"]
    block = data["all_clear"] if level == "all_clear" else data[hazard][level]
    ctx = {**context, "event": event}
    texts = {"event": event}
    for name in TEXT_FIELDS:
        texts[name] = render(block[name], ctx)
    return texts


def draft_infos(
    hazard: str,
    level: str,
    context: Mapping[str, Any],
    languages: Iterable[str] = ("en",),
    *,
    areas: Sequence[Area] = (),
    effective: datetime | None = None,
    onset: datetime | None = None,
    expires: datetime | None = None,
    certainty: Certainty | str = Certainty.OBSERVED,
    sender_name: str | None = None,
    web: str | None = None,
    contact: str | None = None,
    parameters: Iterable[tuple[str, str]] = (),
) -> list[Info]:
    """One drafted :class:`Info` per language for ``hazard`` at ``level``.

    ``context`` fills the placeholders ({city}, {station}, {value}, {threshold}, {hours});
    the keyword arguments are copied into every info (category, event code, urgency,
    severity and response types come from the hazard and level).
    """
    level = normalize_level(level)
    if hazard not in HAZARD_SPECS:
        raise InvalidInput(
            f"unknown hazard {hazard!r}; use one of {', '.join(HAZARDS)}", field="hazard"
        )
    spec = HAZARD_SPECS[hazard]
    responses = (ResponseType.ALL_CLEAR,) if level == "all_clear" else spec.responses[level]
    params = tuple(ValuePair(str(k), str(v)) for k, v in parameters)
    infos = []
    for lang in dict.fromkeys(language_code(x) for x in languages):
        texts = hazard_texts(hazard, level, context, lang)
        infos.append(
            Info(
                language=LANGUAGES[lang],
                category=spec.category,
                event=texts["event"],
                response_type=responses,
                urgency=_URGENCY[level],
                severity=_SEVERITY[level],
                certainty=(
                    Certainty.OBSERVED
                    if level == "all_clear"
                    else coerce_enum(Certainty, certainty, "certainty")
                ),
                event_code=(ValuePair(EVENT_CODE_NAME, hazard),),
                effective=effective,
                onset=onset,
                expires=expires,
                sender_name=sender_name,
                headline=texts["headline"],
                description=texts["description"],
                instruction=texts["instruction"],
                web=web,
                contact=contact,
                parameters=params,
                areas=tuple(areas),
            )
        )
    if not infos:
        raise InvalidInput("at least one language is needed", field="languages")
    return infos


def cap_word(language: str, field: str, value: str) -> str:
    """A CAP code word (``severity`` Moderate, ``urgency`` Expected, ``certainty`` Observed)
    in ``language`` for people to read; the CAP value itself when no translation is given.
    The document keeps the CAP values: these words are for pages and notifications."""
    try:
        words = load_templates(language).get("words", {})
    except InvalidInput:
        return value
    return str(words.get(field, {}).get(value, value))
