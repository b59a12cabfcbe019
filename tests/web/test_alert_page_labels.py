"""The labels of the CAP message page exist in all nine languages, with the same
placeholders as English; local times name their zone."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cityops.cap.templates import LANGUAGES
from cityops.web.alert_page import _all_labels, local_text


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_label_in_every_language(code: str) -> None:
    en, own = _all_labels()["en"], _all_labels()[code]
    assert set(own) == set(en), set(en) ^ set(own)
    for key, text in own.items():
        assert text.strip() and _fields(text) == _fields(en[key]), (code, key)


def test_local_text_names_the_zone() -> None:
    t = datetime(2025, 9, 14, 0, 30, tzinfo=UTC)
    assert local_text(t, ZoneInfo("Asia/Vientiane")) == "2025-09-14 07:30 UTC+07:00"
    assert local_text(t, ZoneInfo("Asia/Manila")) == "2025-09-14 08:30 PST (UTC+08:00)"
    assert local_text(t, ZoneInfo("Asia/Yangon")) == "2025-09-14 07:00 UTC+06:30"
    assert local_text(None, ZoneInfo("UTC")) is None
