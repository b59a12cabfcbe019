"""The composer's suggested sentence in the language of each text of an alert.

"about 12,400 residents in 3 wards; 2 shelters with room for 1,800": the operator reads it
beside each language's description and may copy it in. The phrases are gettext messages
of the operator interface's catalogues (``cityops/locale``, listed in babel.cfg), with
plural forms from the catalogue; numbers are written the way the language writes them
(Babel's CLDR data: 12,400 in English, 12.400 in Vietnamese). A language without a
catalogue gets the English phrases with its own number format: a suggestion, never sent
by itself.
"""

from __future__ import annotations

import gettext
import math
from collections.abc import Callable
from typing import Any

from babel.numbers import format_decimal

Translations = Callable[[str], gettext.NullTranslations]


def _about(n: float) -> float:
    """A count as people say it: 3 significant figures (12,437 -> 12,400)."""
    if n < 100:
        return float(round(n))
    return float(round(n, -(int(math.floor(math.log10(n))) - 2)))


def _number(value: float, locale: str) -> str:
    try:
        return format_decimal(value, format="#,##0", locale=locale)
    except (ValueError, LookupError):  # an unknown locale: English digits
        return format_decimal(value, format="#,##0", locale="en")


def _km(value: float, locale: str) -> str:
    try:
        return format_decimal(value, format="#,##0.0", locale=locale)
    except (ValueError, LookupError):
        return format_decimal(value, format="#,##0.0", locale="en")


def sentence(doc: dict[str, Any], language: str, tr: gettext.NullTranslations) -> str:
    """The suggestion for exposure ``doc`` in ``language`` (a tag: "vi", "vi-VN")."""
    locale = language.replace("-", "_")
    g, ng = tr.gettext, tr.ngettext
    n_wards = len(doc["wards"])
    if doc["population"] is None:
        parts = [
            ng(
                "%(n)s ward (no population figures)",
                "%(n)s wards (no population figures)",
                n_wards,
            )
            % {"n": _number(n_wards, locale)}
        ]
    else:
        people = _number(_about(doc["population"]), locale)
        parts = [
            ng(
                "about %(people)s residents in %(n)s ward",
                "about %(people)s residents in %(n)s wards",
                n_wards,
            )
            % {"people": people, "n": _number(n_wards, locale)}
        ]
    shelters = doc["facilities"]["shelter"]
    if shelters:
        parts.append(
            ng(
                "%(n)s shelter with room for %(room)s",
                "%(n)s shelters with room for %(room)s",
                len(shelters),
            )
            % {
                "n": _number(len(shelters), locale),
                "room": _number(_about(doc["shelter_capacity"]), locale),
            }
        )
    elif doc["nearest_shelters_outside"]:
        near = doc["nearest_shelters_outside"][0]
        parts.append(
            g("no shelter inside; nearest: %(name)s (%(km)s km)")
            % {"name": near["name"], "km": _km(near["distance_km"], locale)}
        )
    else:
        parts.append(g("no shelter inside"))
    hospitals, schools = len(doc["facilities"]["hospital"]), len(doc["facilities"]["school"])
    if hospitals:
        parts.append(
            ng("%(n)s hospital", "%(n)s hospitals", hospitals) % {"n": _number(hospitals, locale)}
        )
    if schools:
        parts.append(ng("%(n)s school", "%(n)s schools", schools) % {"n": _number(schools, locale)})
    return "; ".join(parts)


def sentences(
    doc: dict[str, Any], languages: list[str], translations: Translations
) -> dict[str, str]:
    """The suggestion in each of ``languages`` (tags as the alert's texts carry them)."""
    return {
        lang: sentence(doc, lang, translations(lang.split("-")[0].lower()))
        for lang in dict.fromkeys(languages)
    }
