"""Hazards and their levels as the alert texts know them: CAP category, and per text block
(a level of a hazard) the default severity, urgency and response types; the level names
rules and national services use for each block; the block for each generic tier.

Kept apart from the texts (``templates``) because these are CAP decisions reviewed by the
warning service, not wording reviewed by translators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cityops.cap.model import Category, ResponseType, Severity, Urgency


@dataclass(frozen=True)
class LevelSpec:
    """CAP values of one text block (a level of a hazard): drafting defaults, which the
    rule's own severity replaces when an incident is drafted."""

    severity: Severity
    urgency: Urgency
    responses: tuple[ResponseType, ...]


@dataclass(frozen=True)
class HazardSpec:
    """Language-independent CAP fields of one hazard and its text blocks.

    ``levels`` are the text blocks, lowest first (each ``[hazard.<key>]`` in every language
    file); ``aliases`` map the level names rules and services use (``warning``, ``BD2``,
    ``Unhealthy for Sensitive Groups`` ...) to a block; ``tiers`` choose a block from the
    generic moderate/severe/extreme when a rule's level name is unknown.
    """

    category: tuple[Category, ...]
    levels: Mapping[str, LevelSpec]
    aliases: Mapping[str, str]
    tiers: Mapping[str, str]

    @property
    def responses(self) -> dict[str, tuple[ResponseType, ...]]:
        return {key: spec.responses for key, spec in self.levels.items()}


_R = ResponseType
_S, _U = Severity, Urgency
_STANDARD_TIERS = {"moderate": "moderate", "severe": "severe", "extreme": "extreme"}

HAZARD_SPECS: dict[str, HazardSpec] = {
    "river_flood": HazardSpec(
        (Category.MET,),
        {
            "watch": LevelSpec(_S.MINOR, _U.EXPECTED, (_R.MONITOR, _R.PREPARE)),
            "warning": LevelSpec(_S.MODERATE, _U.EXPECTED, (_R.PREPARE, _R.AVOID)),
            "danger": LevelSpec(_S.SEVERE, _U.IMMEDIATE, (_R.EVACUATE, _R.AVOID)),
        },
        {
            **dict.fromkeys(("watch", "advisory", "alert", "yellow", "bd1", "alarm i"), "watch"),
            **dict.fromkeys(("warning", "alarm", "orange", "bd2", "alarm ii"), "warning"),
            **dict.fromkeys(
                ("danger", "flood", "critical", "emergency", "red", "bd3", "alarm iii"), "danger"
            ),
        },
        {"moderate": "watch", "severe": "warning", "extreme": "danger"},
    ),
    "heavy_rain": HazardSpec(
        (Category.MET,),
        {
            "moderate": LevelSpec(_S.MODERATE, _U.EXPECTED, (_R.MONITOR,)),
            "severe": LevelSpec(_S.SEVERE, _U.EXPECTED, (_R.PREPARE, _R.AVOID)),
            "extreme": LevelSpec(_S.EXTREME, _U.IMMEDIATE, (_R.AVOID, _R.EVACUATE)),
        },
        {
            **dict.fromkeys(("advisory", "watch", "yellow", "light", "heavy rain"), "moderate"),
            **dict.fromkeys(("warning", "orange", "heavy", "intense"), "severe"),
            **dict.fromkeys(("danger", "red", "very heavy", "torrential", "emergency"), "extreme"),
        },
        _STANDARD_TIERS,
    ),
    "heat": HazardSpec(
        (Category.MET, Category.HEALTH),
        {
            "caution": LevelSpec(_S.MINOR, _U.EXPECTED, (_R.MONITOR,)),
            "extreme_caution": LevelSpec(_S.MODERATE, _U.EXPECTED, (_R.MONITOR, _R.AVOID)),
            "danger": LevelSpec(_S.SEVERE, _U.EXPECTED, (_R.PREPARE, _R.AVOID)),
            "extreme_danger": LevelSpec(_S.EXTREME, _U.IMMEDIATE, (_R.AVOID,)),
        },
        {
            **dict.fromkeys(("caution", "advisory", "watch", "yellow"), "caution"),
            **dict.fromkeys(("extreme caution", "warning", "orange"), "extreme_caution"),
            **dict.fromkeys(("danger", "red"), "danger"),
            **dict.fromkeys(("extreme danger", "emergency"), "extreme_danger"),
        },
        {"moderate": "extreme_caution", "severe": "danger", "extreme": "extreme_danger"},
    ),
    "air_quality": HazardSpec(
        (Category.ENV, Category.HEALTH),
        {
            "moderate": LevelSpec(_S.MINOR, _U.EXPECTED, (_R.MONITOR,)),
            "usg": LevelSpec(_S.MODERATE, _U.EXPECTED, (_R.MONITOR, _R.AVOID)),
            "unhealthy": LevelSpec(_S.SEVERE, _U.EXPECTED, (_R.AVOID,)),
            "very_unhealthy": LevelSpec(_S.SEVERE, _U.IMMEDIATE, (_R.SHELTER, _R.AVOID)),
            "hazardous": LevelSpec(_S.EXTREME, _U.IMMEDIATE, (_R.SHELTER, _R.AVOID)),
        },
        {
            "moderate": "moderate",
            "unhealthy for sensitive groups": "usg",
            "usg": "usg",
            "unhealthy": "unhealthy",
            "very unhealthy": "very_unhealthy",
            "hazardous": "hazardous",
        },
        {"moderate": "usg", "severe": "unhealthy", "extreme": "hazardous"},
    ),
    "drought": HazardSpec(
        (Category.MET, Category.ENV),
        {
            "moderate": LevelSpec(_S.MODERATE, _U.EXPECTED, (_R.MONITOR,)),
            "severe": LevelSpec(_S.SEVERE, _U.EXPECTED, (_R.PREPARE,)),
            "extreme": LevelSpec(_S.EXTREME, _U.EXPECTED, (_R.EXECUTE,)),
        },
        {"moderately dry": "moderate", "severely dry": "severe", "extremely dry": "extreme"},
        _STANDARD_TIERS,
    ),
    "sensor_failure": HazardSpec(
        (Category.INFRA,),
        {
            "moderate": LevelSpec(_S.MODERATE, _U.EXPECTED, (_R.MONITOR,)),
            "severe": LevelSpec(_S.SEVERE, _U.EXPECTED, (_R.MONITOR,)),
            "extreme": LevelSpec(_S.EXTREME, _U.IMMEDIATE, (_R.MONITOR, _R.ASSESS)),
        },
        {"suspect": "moderate", "stale": "moderate", "no data": "severe", "offline": "severe"},
        _STANDARD_TIERS,
    ),
}
ALL_CLEAR = LevelSpec(_S.MINOR, _U.PAST, (_R.ALL_CLEAR,))
