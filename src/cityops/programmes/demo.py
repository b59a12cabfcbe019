"""Demo register: smart-city cooperation in ASEAN, with only the figures publicly stated.

Sources are the announcements summarised in the "Cooperation programmes" issue. Nothing is
made up: unknown identifiers, dates, coordinates, partners and amounts are left unset, and
announced totals are kept as each programme's funding ``envelope`` (not as budgets or
transactions, whose periods and dates are not known). Year-only dates are given as the
first and last day of those years. Purpose codes are CityOps' classification.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cityops.programmes.model import Location, Money, Participant, Project, Sector

_PARTNER = "Funding partner of smart-city work in ASEAN."


def _programme(
    title: str,
    description: str,
    funder: str,
    funder_type: str | None,
    usd: int | None = None,
    **extra: Any,
) -> Project:
    """A register entry funded by one organisation, with its announced total in US$."""
    return Project(
        iati_identifier=None,
        title=title,
        description=description,
        participants=(Participant(name=funder, role="funding", type=funder_type),),
        envelope=None if usd is None else Money(Decimal(usd), "USD"),
        **extra,
    )


def demo_projects() -> list[Project]:
    """The programmes named in the issue, with the figures it gives."""
    us_gov, korea = "United States Government", "Government of the Republic of Korea"
    return [
        _programme(
            "U.S.–ASEAN Smart Cities Partnership",
            "About 20 projects across the ASEAN Smart Cities Network; "
            "US$10 million initial investment.",
            us_gov,
            "10",
            10_000_000,
            sectors=(Sector("43030"),),
        ),
        _programme(
            "Tam Ky smart-city data platform",
            "KOICA-funded smart-city data platform for Tam Ky, "
            "Quang Nam province, Viet Nam (US$11 million, 2020–2022).",
            "Korea International Cooperation Agency (KOICA)",
            "10",
            11_000_000,
            cities=("Tam Ky",),
            sectors=(Sector("22040"), Sector("43030")),
            planned_start=date(2020, 1, 1),
            planned_end=date(2022, 12, 31),
            locations=(Location("Tam Ky, Quang Nam, Viet Nam"),),
        ),
        _programme("ASEAN–Korea Cooperation Fund", _PARTNER, "ASEAN–Korea Cooperation Fund", None),
        _programme(
            "Green New Deal Fund",
            "Korea's Green New Deal Fund: US$5 million for carbon neutrality "
            "in developing countries.",
            korea,
            "10",
            5_000_000,
        ),
        _programme(
            "U.S.–ASEAN Climate Futures",
            "US$20.5 million U.S.–ASEAN Climate Futures initiative.",
            us_gov,
            "10",
            20_500_000,
        ),
        _programme("Green Climate Fund", _PARTNER, "Green Climate Fund", "40"),
        _programme(
            "Global Green Growth Institute (GGGI)",
            _PARTNER,
            "Global Green Growth Institute (GGGI)",
            "40",
        ),
    ]
