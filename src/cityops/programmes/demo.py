"""Demo register: the smart-city cooperation programmes named in the seed, with their figures.

Published figures (kept as each programme's funding ``envelope``): U.S.–ASEAN Smart Cities
Partnership US$10 million (about 20 projects across the ASEAN Smart Cities Network);
KOICA's Tam Ky smart-city data platform US$11 million, 2020–2022; Korea's Green New Deal
Fund US$5 million; U.S.–ASEAN Climate Futures US$20.5 million. The ASEAN–Korea
Cooperation Fund, the Green Climate Fund and GGGI are named without a figure: they are in
the register (and in every total, with zero) as pipeline entries, with no money invented.

What the demo adds so that every screen has something to show, and says so in each
description: the split of a published total into yearly commitments and disbursements
(the yearly figures always add up to the published total, and disbursements never exceed
commitments), the years where the announcement gives none, and the demo cities a programme
is placed in. The register's reporting organisation and identifiers use the placeholder
prefix ``XX-CITYOPS-DEMO`` (``XX`` is no registration agency): a deployment publishes
under its own organisation identifier.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cityops.programmes.model import (
    Budget,
    Location,
    Money,
    Organisation,
    Participant,
    Project,
    Recipient,
    Sector,
    Transaction,
)

REPORTER = Organisation("CityOps demo operations centre", "XX-CITYOPS-DEMO", "90")
US_GOV = Participant("United States Government", "funding", "XM-DAC-302", "10")
KOREA = Participant("Government of the Republic of Korea", "funding", "XM-DAC-742", "10")
KOICA = Participant("Korea International Cooperation Agency (KOICA)", "funding", None, "10")
#: DAC recipient region "Asia, regional" for ASEAN-wide programmes.
ASIA = Recipient("798", "region", vocabulary="1")
_SPLIT = "Yearly commitments and disbursements are the demo's split of the published total."
_NO_FIGURE = "Named in the seed without a published figure: a pipeline entry, no amount."


def _id(slug: str) -> str:
    return f"{REPORTER.ref}-{slug}"


def _usd(value: int | str) -> Money:
    return Money(Decimal(value), "USD")


def _money_by_year(
    funder: Organisation, commitments: dict[int, int], disbursements: dict[int, int]
) -> tuple[tuple[Budget, ...], tuple[Transaction, ...]]:
    """Committed budgets and commitment/disbursement transactions (2 and 3), mid-year."""
    budgets = tuple(
        Budget(date(y, 1, 1), date(y, 12, 31), _usd(v), "1", "2") for y, v in disbursements.items()
    )
    txs = tuple(
        Transaction(kind, date(y, 6, 30), _usd(v), provider=funder)
        for kind, by_year in ((2, commitments), (3, disbursements))
        for y, v in by_year.items()
    )
    return budgets, txs


def _funded(
    slug: str,
    title: str,
    text: str,
    funder: Participant,
    total: int,
    years: tuple[int, int],
    disbursed: dict[int, int],
    **extra: object,
) -> Project:
    """A programme with a published total committed in its first year."""
    org = Organisation(funder.name, funder.ref, funder.type)
    budgets, txs = _money_by_year(org, {years[0]: total}, disbursed)
    return Project(
        iati_identifier=_id(slug),
        title=title,
        description=f"{text} {_SPLIT}",
        participants=(funder,),
        reporting_org=REPORTER,
        status=2 if years[1] >= 2024 else 4,
        planned_start=date(years[0], 1, 1),
        planned_end=date(years[1], 12, 31),
        budgets=budgets,
        transactions=txs,
        envelope=Money(Decimal(total), "USD", date(years[0], 1, 1)),
        default_currency="USD",
        hierarchy=1,
        **extra,  # type: ignore[arg-type]
    )


def _pipeline(slug: str, name: str, ref: str | None, org_type: str) -> Project:
    return Project(
        iati_identifier=_id(slug),
        title=name,
        description=f"Funding partner of smart-city work in ASEAN. {_NO_FIGURE}",
        participants=(Participant(name, "funding", ref, org_type),),
        reporting_org=REPORTER,
        status=1,
        planned_start=date(2025, 1, 1),
        recipients=(ASIA,),
        sectors=(Sector("43030"),),
        hierarchy=1,
    )


def demo_projects() -> list[Project]:
    """The seven programmes of the seed."""
    return [
        _funded(
            "USASCP",
            "U.S.–ASEAN Smart Cities Partnership",
            "About 20 projects across the ASEAN Smart Cities Network; "
            "US$10 million initial investment.",
            US_GOV,
            10_000_000,
            (2019, 2022),
            {2019: 1_500_000, 2020: 3_000_000, 2021: 3_000_000, 2022: 2_500_000},
            cities=("Vientiane", "Luang Prabang", "Phnom Penh"),
            recipients=(ASIA,),
            sectors=(
                Sector("43030", percentage=Decimal(60)),
                Sector("22040", percentage=Decimal(40)),
            ),
        ),
        _funded(
            "KOICA-TAMKY",
            "Tam Ky smart-city data platform",
            "KOICA-funded smart-city data platform for Tam Ky, Quang Nam province, "
            "Viet Nam (US$11 million, 2020–2022).",
            KOICA,
            11_000_000,
            (2020, 2022),
            {2020: 3_000_000, 2021: 4_500_000, 2022: 3_500_000},
            cities=("Tam Ky",),
            recipients=(Recipient("VN"),),
            sectors=(
                Sector("22040", percentage=Decimal(60)),
                Sector("43030", percentage=Decimal(40)),
            ),
            locations=(Location("Tam Ky, Quang Nam, Viet Nam", 15.5736, 108.474),),
        ),
        _pipeline("AKCF", "ASEAN–Korea Cooperation Fund", None, "40"),
        _funded(
            "GNDF",
            "Green New Deal Fund",
            "Korea's Green New Deal Fund: US$5 million for carbon neutrality in "
            "developing countries.",
            KOREA,
            5_000_000,
            (2021, 2024),
            {2021: 1_000_000, 2022: 1_500_000, 2023: 1_500_000},
            recipients=(ASIA,),
            sectors=(Sector("41010"),),
        ),
        _funded(
            "USACF",
            "U.S.–ASEAN Climate Futures",
            "US$20.5 million U.S.–ASEAN Climate Futures initiative.",
            US_GOV,
            20_500_000,
            (2022, 2026),
            {2022: 2_000_000, 2023: 5_000_000, 2024: 6_000_000},
            cities=("Phnom Penh", "Vientiane"),
            recipients=(ASIA,),
            sectors=(
                Sector("41010", percentage=Decimal(50)),
                Sector("74020", percentage=Decimal(50)),
            ),
        ),
        _pipeline("GCF", "Green Climate Fund", None, "40"),
        _pipeline("GGGI", "Global Green Growth Institute (GGGI)", None, "40"),
    ]
