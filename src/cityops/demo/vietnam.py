"""Tam Ky, the platform city of the seed: its river gauges, alarm levels and wards.

Facts (nothing invented; the project reference ``flood_alarm_levels_vugia_thubon_tamky.csv``
lists every bulletin each level was read or derived from):

- Viet Nam's flood alarm levels I/II/III ("Báo động I/II/III", BĐ1-3; Decision
  05/2020/QĐ-TTg) of the Tam Kỳ station on the Tam Kỳ river and of the Vu Gia-Thu Bồn
  gauges Câu Lâu, Hội An and Ái Nghĩa, in metres above the station's gauge datum.
- Station positions: no open gauge coordinates were found, so each gauge stands at the
  centroid of the commune it is named after (2009 census polygons): approximate, and
  marked so in the Thing's properties.
- Wards: Tam Kỳ's four 2025 wards (``data/tamky_wards_2025.geojson``), derived from the
  2009 communes by the 2025 merger list; not an official boundary.

No time series of these stations is open: the simulator synthesises their levels (a
typhoon flood cresting a little before the demo starts) and says so in the description.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, NamedTuple

CITY = "Tam Ky"
#: The national names of the alarm levels, lowest first.
LEVEL_NAMES = ("Báo động I", "Báo động II", "Báo động III")
_SOURCE = (
    "Viet Nam flood alarm level (Decision 05/2020/QĐ-TTg) as stated or derived from "
    "Quảng Nam flood bulletins: {}"
)


class VnStation(NamedTuple):
    """A Vietnamese river gauge with its alarm levels I/II/III (metres)."""

    name: str
    river: str
    basin: str
    code: str  # station code as quoted in bulletins (unverified)
    lat: float  # approximate: centroid of the commune named
    lon: float
    commune: str
    levels: tuple[float, float, float]
    evidence: str


STATIONS: tuple[VnStation, ...] = (
    VnStation(
        "Tam Kỳ",
        "Tam Kỳ",
        "Tam Kỳ",
        "553500",
        15.5636,
        108.4878,
        "Phường An Xuân, Tam Kỳ",
        (1.7, 2.2, 2.7),
        "pctt.quangnam.vn 2020; qrt.vn 2024; infonet 2022; dantri 30/10/2025",
    ),
    VnStation(
        "Ái Nghĩa",
        "Vu Gia",
        "Vu Gia–Thu Bồn",
        "553300",
        15.8949,
        108.1239,
        "Thị trấn Ái Nghĩa, Đại Lộc",
        (6.5, 8.0, 9.0),
        "qrt.vn 27/10/2024; infonet 2022-10; pctt.quangnam.vn 28/10/2020",
    ),
    VnStation(
        "Câu Lâu",
        "Thu Bồn",
        "Vu Gia–Thu Bồn",
        "552700",
        15.8771,
        108.2844,
        "Xã Điện Phương, Điện Bàn",
        (2.0, 3.0, 4.0),
        "EVN bulletin table 'Câu Lâu I 2.00 II 3.00 III 4.00'",
    ),
    VnStation(
        "Hội An",
        "Thu Bồn",
        "Vu Gia–Thu Bồn",
        "553700",
        15.8771,
        108.3285,
        "Phường Minh An, Hội An",
        (1.0, 1.5, 2.0),
        "qrt.vn 2024; infonet 2022; pctt.quangnam.vn 2020; thanhnien 2020",
    ),
)
BY_NAME = {st.name: st for st in STATIONS}
#: The gauge whose drafted warnings cover a ward polygon instead of a circle.
RIVER_AREA = ("Tam Kỳ", "Phường Tam Kỳ")
#: Where each gauge's simulated crest lies, in steps of (III - II) above level II, so the
#: demo shows every national level: Ái Nghĩa crests at I, Tam Kỳ and Câu Lâu at II, Hội An
#: (the old town floods first) above III.
CREST = {"Tam Kỳ": 0.3, "Ái Nghĩa": -0.5, "Câu Lâu": 0.5, "Hội An": 1.3}


def levels(name: str) -> dict[str, float]:
    """``{"Báo động I": m, ...}`` of a Vietnamese gauge ({} for other names)."""
    st = BY_NAME.get(name)
    return dict(zip(LEVEL_NAMES, st.levels, strict=True)) if st else {}


def sources(name: str) -> dict[str, str]:
    """Where each level of gauge ``name`` was published."""
    st = BY_NAME.get(name)
    return {n: _SOURCE.format(st.evidence) for n in LEVEL_NAMES} if st else {}


def crest(name: str) -> float:
    """The simulated crest of gauge ``name`` in metres (from its levels and ``CREST``)."""
    bd1, bd2, bd3 = BY_NAME[name].levels
    return bd2 + CREST[name] * (bd3 - bd2)


def wards_geojson() -> dict[str, Any]:
    """Tam Kỳ's 2025 wards as a FeatureCollection (``properties.name`` = ward name)."""
    text = (
        resources.files("cityops.demo")
        .joinpath("data/tamky_wards_2025.geojson")
        .read_text(encoding="utf-8")
    )
    doc: dict[str, Any] = json.loads(text)
    return doc
