"""Shared fixtures for the programme register tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityops.programmes import Project, parse_iati

DATA = Path(__file__).parent / "data"


@pytest.fixture()
def activities_xml() -> bytes:
    """The IATI test file: three activities, budgets and transactions in USD, KRW and EUR."""
    return (DATA / "activities.xml").read_bytes()


@pytest.fixture()
def imported(activities_xml: bytes) -> list[Project]:
    """The projects of the IATI test file."""
    return parse_iati(activities_xml)


@pytest.fixture()
def rates_csv() -> str:
    """A small rates table to USD (test figures, not market data)."""
    return (DATA / "rates.csv").read_text()
