"""VN_AQI (Decision 1459/QĐ-TCMT) against values computed by hand from its Table 2."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from cityops.hazards.vn_aqi import BREAKPOINTS, CATEGORIES, INDEX, category, sub_index, vn_aqi

REFERENCE = Path("/work/shared/reference/vietnam")


@pytest.mark.parametrize(
    ("pollutant", "conc", "expected"),
    [
        # PM2.5 35: band 25-50 -> 50-100: 50/25*(35-25)+50 = 70
        ("pm25", 35.0, 70),
        # PM2.5 100: band 80-150 -> 150-200: 50/70*20+150 = 164.29 -> 164
        ("pm25", 100.0, 164),
        # PM2.5 on a breakpoint: 50 -> 100 from either band
        ("pm25", 50.0, 100),
        # PM10 200: band 150-250 -> 100-150: 0.5*50+100 = 125
        ("pm10", 200.0, 125),
        # CO 20000: band 10000-30000 -> 50-100: 50/20000*10000+50 = 75
        ("co", 20000.0, 75),
        # NO2 150: band 100-200 -> 50-100: 75
        ("no2", 150.0, 75),
        # SO2 1000: band 800-1600 -> 200-300: 100/800*200+200 = 225
        ("so2", 1000.0, 225),
        # O3 1h 250: band 200-300 -> 100-150: 125
        ("o3_1h", 250.0, 125),
        # O3 8h 150: band 120-170 -> 100-150: 50/50*30+100 = 130
        ("o3_8h", 150.0, 130),
        # PM2.5 12.5: 50/25*12.5 = 25
        ("pm25", 12.5, 25),
        # PM10 25.5: 50/50*25.5 = 25.5 -> 26 (half up)
        ("pm10", 25.5, 26),
        # PM2.5 600, beyond the table: last band (350-500 -> 400-500) extended: 566.7 -> 567
        ("pm25", 600.0, 567),
    ],
)
def test_sub_index_hand_computed(pollutant: str, conc: float, expected: int) -> None:
    assert float(sub_index(pollutant, conc)[0]) == expected


def test_o3_8h_above_table_is_undefined_and_bad_values_nan() -> None:
    assert math.isnan(float(sub_index("o3_8h", 450.0)[0]))
    out = sub_index("pm25", [-1.0, np.nan, 0.0])
    assert math.isnan(out[0]) and math.isnan(out[1]) and out[2] == 0


def test_unknown_pollutant() -> None:
    with pytest.raises(ValueError, match="pm1"):
        sub_index("pm1", 3.0)


def test_overall_is_max_and_needs_particulates() -> None:
    assert vn_aqi({"pm25": 70.0, "no2": 75.0, "o3_1h": float("nan")}) == 75.0
    assert math.isnan(vn_aqi({"no2": 75.0, "so2": 225.0}))


@pytest.mark.parametrize(
    ("aqi", "name"),
    [
        (0, "Tốt"),
        (50, "Tốt"),
        (51, "Trung bình"),
        (100, "Trung bình"),
        (101, "Kém"),
        (151, "Xấu"),
        (200, "Xấu"),
        (201, "Rất xấu"),
        (301, "Nguy hại"),
        (567, "Nguy hại"),
    ],
)
def test_categories_table_3(aqi: int, name: str) -> None:
    assert CATEGORIES[int(category(aqi)[0])].name_vi == name
    assert int(category(float("nan"))[0]) == -1


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="project reference tables not mounted")
def test_embedded_tables_equal_the_reference_csv() -> None:
    with open(REFERENCE / "vn_aqi_breakpoints_qd1459.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert [float(r["I"]) for r in rows] == list(INDEX)
    for col, key in [
        ("O3_1h", "o3_1h"),
        ("O3_8h", "o3_8h"),
        ("CO", "co"),
        ("SO2", "so2"),
        ("NO2", "no2"),
        ("PM10", "pm10"),
        ("PM2_5", "pm25"),
    ]:
        ref = [float(r[col]) if r[col] else math.nan for r in rows]
        np.testing.assert_array_equal(ref, np.array(BREAKPOINTS[key], dtype=float))
    with open(REFERENCE / "vn_aqi_categories_qd1459.csv", encoding="utf-8") as f:
        cats = list(csv.DictReader(f))
    assert [(int(c["aqi_min"]), int(c["aqi_max"]), c["category_vi"], c["hex"]) for c in cats] == [
        (c.low, c.high, c.name_vi, c.colour) for c in CATEGORIES
    ]
