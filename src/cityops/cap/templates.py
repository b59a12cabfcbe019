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
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from cityops.cap.hazard_levels import ALL_CLEAR, HAZARD_SPECS, HazardSpec
from cityops.cap.model import Area, Certainty, Info, ValuePair, coerce_enum
from cityops.cap.validate import HEADLINE_MAX
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

TEXT_FIELDS = ("headline", "description", "instruction")
#: Placeholders holding place names: shortened first when a headline is too long.
PLACE_FIELDS = ("station", "city", "area")


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


def _key(name: str) -> str:
    """Comparable form of a level name: lower case, single spaces, Đ as D (``BĐ2`` ->
    ``bd2``, ``extreme_caution`` -> ``extreme caution``)."""
    text = name.strip().lower().replace("đ", "d").replace("_", " ").replace("-", " ")
    return " ".join(text.split())


def normalize_level(level: str) -> str:
    """Generic tier (moderate/severe/extreme/all_clear) of a tier name or its alias."""
    key = _key(level).replace(" ", "_")
    key = LEVEL_ALIASES.get(key, key)
    if key not in LEVELS:
        raise InvalidInput(
            f"unknown level {level!r}; use one of {', '.join(LEVELS)}", field="level"
        )
    return key


def text_level(hazard: str, level: str, fallback: str | None = None) -> str:
    """The text block of ``hazard`` for a rule's level name (``warning``, ``BD2``,
    ``Unhealthy for Sensitive Groups``), a block key, or a generic tier; ``fallback`` (a
    tier, e.g. from the CAP severity) when the name is unknown; ``all_clear`` as itself."""
    spec = _spec(hazard)
    key = _key(level)
    if key.replace(" ", "_") in spec.levels:
        return key.replace(" ", "_")
    if key in spec.aliases:
        return spec.aliases[key]
    try:
        tier = normalize_level(level)
    except InvalidInput:
        if fallback is None:
            raise
        tier = normalize_level(fallback)
    return "all_clear" if tier == "all_clear" else spec.tiers[tier]


def _spec(hazard: str) -> HazardSpec:
    if hazard not in HAZARD_SPECS:
        raise InvalidInput(
            f"unknown hazard {hazard!r}; use one of {', '.join(HAZARDS)}", field="hazard"
        )
    return HAZARD_SPECS[hazard]


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


def localized(value: Any, language: str) -> Any:
    """A context value in ``language``: a mapping of names per language (``{"": "Pakse",
    "lo": "ປາກເຊ"}``, the empty key being the default) gives the language's own name."""
    if isinstance(value, Mapping):
        return value.get(language) or value.get("") or value.get("en") or ""
    return value


def names_from_properties(properties: Any) -> dict[str, str]:
    """``{"vi": ..., "lo": ...}`` from OSM-style ``name:<lang>`` properties (the primary
    language subtag, lower case; empty names ignored)."""
    out: dict[str, str] = {}
    if isinstance(properties, Mapping):
        for key, value in properties.items():
            if isinstance(key, str) and key.startswith("name:") and isinstance(value, str):
                code = key[5:].replace("_", "-").split("-")[0].lower()
                if code and value.strip():
                    out[code] = value.strip()
    return out


def level_words(data: Mapping[str, Any], hazard: str, name: str | None) -> str:
    """A rule's level name as the language calls it (river ``BD2`` -> "alarm level II"),
    from ``[<hazard>.level_names]``, else the language's ``level_fallback``."""
    if not name:
        return ""
    names = data.get(hazard, {}).get("level_names", {})
    key = _key(name)
    if key in names:
        return str(names[key])
    return str(data.get("level_fallback", "level “{name}”")).format(name=name)


def hazard_texts(
    hazard: str, level: str, context: Mapping[str, Any], language: str
) -> dict[str, str]:
    """Rendered ``event``, ``headline``, ``description``, ``instruction`` in one language.

    ``level`` is a text block (see :func:`text_level`); ``context["level_name"]`` (the rule's
    level) becomes ``{level}`` in the language's words. River texts have a
    ``description_below`` used when the value is under the threshold (a level raised by
    the rate of rise or a forecast, not by the value itself). The headline is kept under
    the CAP profile's limit by shortening place names (:func:`fit_headline`).
    """
    level = text_level(hazard, level)
    data = load_templates(language)
    event = data[hazard]["event"]
    block = data["all_clear"] if level == "all_clear" else data[hazard][level]
    ctx = {k: localized(v, language_code(language)) for k, v in context.items()}
    ctx["event"] = event
    ctx["level"] = level_words(data, hazard, ctx.get("level_name"))
    texts = {"event": event}
    for name in TEXT_FIELDS:
        template = block[name]
        if name == "description" and "description_below" in block and _below(ctx):
            template = block["description_below"]
        texts[name] = render(template, ctx)
    texts["headline"] = fit_headline(block["headline"], ctx)
    return texts


def _below(ctx: Mapping[str, Any]) -> bool:
    value, threshold = ctx.get("value"), ctx.get("threshold")
    if isinstance(value, (int, float)) and isinstance(threshold, (int, float)):
        return value < threshold
    return False


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters with an ellipsis, never inside a
    grapheme: not before a combining mark (Thai, Lao, Khmer, Myanmar vowels and tones) and
    not after a joiner (Khmer coeng, Myanmar virama, zero-width joiner)."""
    if len(text) <= limit:
        return text
    cut = max(limit - 1, 0)
    while cut > 0 and (unicodedata.category(text[cut])[0] == "M" or text[cut - 1] in _JOINERS):
        cut -= 1
    return text[:cut].rstrip() + "…"


_JOINERS = {"\u17d2", "\u1039", "\u200d", "\u0e3a"}


def fit_headline(template: str, ctx: dict[str, Any], limit: int = HEADLINE_MAX - 1) -> str:
    """The rendered headline, at most ``limit`` characters: the longest place name is
    shortened until it fits (never the hazard words), the whole line only as a last resort."""
    values = dict(ctx)
    text = render(template, values)
    while len(text) > limit:
        names = [k for k in PLACE_FIELDS if k in placeholders(template) and len(str(values[k])) > 8]
        if not names:
            return shorten(text, limit)
        longest = max(names, key=lambda k: len(str(values[k])))
        current = str(values[longest])
        values[longest] = shorten(current, max(8, len(current) - (len(text) - limit)))
        text = render(template, values)
    return text


def draft_infos(
    hazard: str,
    level: str,
    context: Mapping[str, Any],
    languages: Iterable[str] = ("en",),
    *,
    areas: Sequence[Area] | Mapping[str, Sequence[Area]] = (),
    effective: datetime | None = None,
    onset: datetime | None = None,
    expires: datetime | None = None,
    certainty: Certainty | str = Certainty.OBSERVED,
    sender_name: str | Mapping[str, str] | None = None,
    web: str | None = None,
    contact: str | None = None,
    parameters: Iterable[tuple[str, str]] = (),
    fallback: str | None = None,
) -> list[Info]:
    """One drafted :class:`Info` per language for ``hazard`` at ``level``.

    ``level`` is the rule's level name, a text block or a generic tier (see
    :func:`text_level`; ``fallback`` is the tier used when the name is unknown).
    ``context`` fills the placeholders ({city}, {station}, {value}, {threshold}, {unit},
    {hours}, and ``level_name``); a place given as ``{"": "Pakse", "lo": "ປາກເຊ"}`` is
    written in each language's own name. Areas given as a mapping language -> areas get
    their names per language the same way, and so does a ``sender_name`` mapping. The
    keyword arguments are copied into every info (category, event code, urgency, severity
    and response types come from the level).
    """
    spec = _spec(hazard)
    key = text_level(hazard, level, fallback)
    level_spec = ALL_CLEAR if key == "all_clear" else spec.levels[key]
    ctx = {"level_name": "" if key == "all_clear" else key, **context}
    params = tuple(ValuePair(str(k), str(v)) for k, v in parameters)
    infos = []
    for lang in dict.fromkeys(language_code(x) for x in languages):
        texts = hazard_texts(hazard, key, ctx, lang)
        infos.append(
            Info(
                language=LANGUAGES[lang],
                category=spec.category,
                event=texts["event"],
                response_type=level_spec.responses,
                urgency=level_spec.urgency,
                severity=level_spec.severity,
                certainty=(
                    Certainty.OBSERVED
                    if key == "all_clear"
                    else coerce_enum(Certainty, certainty, "certainty")
                ),
                event_code=(ValuePair(EVENT_CODE_NAME, hazard),),
                effective=effective,
                onset=onset,
                expires=expires,
                sender_name=localized(sender_name, lang),
                headline=texts["headline"],
                description=texts["description"],
                instruction=texts["instruction"],
                web=web,
                contact=contact,
                parameters=params,
                areas=tuple(localized_areas(areas, lang)),
            )
        )
    if not infos:
        raise InvalidInput("at least one language is needed", field="languages")
    return infos


def localized_areas(
    areas: Sequence[Area] | Mapping[str, Sequence[Area]], lang: str
) -> Sequence[Area]:
    """Areas in ``lang``: a mapping language -> areas (``""`` the default) or one list."""
    if isinstance(areas, Mapping):
        return areas.get(lang) or areas.get("") or ()
    return areas


def cap_word(language: str, field: str, value: str) -> str:
    """A CAP code word (``severity`` Moderate, ``urgency`` Expected, ``certainty`` Observed)
    in ``language`` for people to read; the CAP value itself when no translation is given.
    The document keeps the CAP values: these words are for pages and notifications."""
    try:
        words = load_templates(language).get("words", {})
    except InvalidInput:
        return value
    return str(words.get(field, {}).get(value, value))
