"""Model validation: bad values raise InvalidInput naming the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cityops.errors import InvalidInput
from cityops.programmes import (
    Budget,
    Location,
    Money,
    Organisation,
    Participant,
    Project,
    Result,
    Sector,
    Transaction,
)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Money("ten", "USD"), "value"),
        (lambda: Money("1", "usd"), "currency"),
        (lambda: Money(float("nan"), "USD"), "value"),
        (lambda: Money("1", "USD", "2022-02-30"), "value_date"),
        (lambda: Participant("KOICA", "sponsor"), "role"),
        (lambda: Participant("KOICA", "funding", type="99"), "type"),
        (lambda: Organisation("", None), "name"),
        (lambda: Sector("4303"), "code"),
        (lambda: Sector("43030", percentage="120"), "percentage"),
        (lambda: Budget("2022-12-31", "2022-01-01", Money(1, "USD")), "period_end"),
        (lambda: Transaction(99, "2022-01-01", Money(1, "USD")), "type"),
        (lambda: Result("R", "I", baseline="3"), "baseline_year"),
        (lambda: Result("R", "I", target="3"), "period_start"),
        (lambda: Result("R", "I", measure="7"), "measure"),
        (lambda: Location("X", 91, 0), "lat"),
        (lambda: Location("X", 10, None), "lat"),
        (lambda: Location("X", 10, 181), "lon"),
        (lambda: Project(None, " "), "title"),
        (lambda: Project(None, "P", status=7), "status"),
        (
            lambda: Project(None, "P", planned_start="2022-01-02", planned_end="2022-01-01"),
            "planned_end",
        ),
        (lambda: Project(None, "P", budgets=["1000"]), "budgets[0]"),
        (lambda: Project(None, "P", cities="Tam Ky"), "cities"),
        (lambda: Project(None, "P\x00"), "title"),
    ],
)
def test_validation_errors_name_the_field(build, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as err:
        build()
    assert err.value.field == field


def test_values_are_normalised() -> None:
    tx = Transaction("3", "2022-05-01", Money(12.5, "USD"))
    assert tx.type == 3 and tx.date == date(2022, 5, 1)
    assert tx.amount == Money(Decimal("12.5"), "USD", date(2022, 5, 1))  # value date defaulted
    participant = Participant(" KOICA ", "1", "XX-KOICA", "10")
    assert (participant.name, participant.role) == ("KOICA", "funding")
    project = Project(" XX-1 ", "Title", participants=[participant], cities=["Tam Ky"])
    assert project.iati_identifier == "XX-1" and project.cities == ("Tam Ky",)
    assert project.funders == (participant,) and project.implementers == ()


def test_views_on_participants() -> None:
    p = Project(
        None,
        "P",
        participants=[
            Participant("F", "funding"),
            Participant("I", "implementing"),
            Participant("A", "accountable"),
            Participant("E", "extending"),
        ],
    )
    assert [x.name for x in p.funders] == ["F"]
    assert [x.name for x in p.implementers] == ["I"]
    assert [x.name for x in p.partners] == ["A", "E"]
    assert hash(p) == hash(Project(None, "P", participants=list(p.participants)))
