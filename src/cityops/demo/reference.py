"""Reference facts the demo world is built from, embedded so the demo works anywhere.

Sources (copied as facts, one row per published value; nothing here is invented):

- ``CITIES``: the 26 ASEAN Smart Cities Network pilot cities (ASEAN, 2018) and Tam Ky
  (Quang Nam smart city data platform pilot, 2020-2022), with their IANA time zones and
  main languages - project reference table ``ascn_pilot_cities.csv``.
- ``STATIONS``: Mekong mainstream water-level stations, upstream to downstream, with MRC
  station codes where known - ``mekong_stations.csv``.
- ``LEVELS``: national warning/danger, alarm/flood and BD1-3 levels per station, each with
  the source it was published in - ``mekong_station_levels.csv``. A station without a row
  has no known level: it gets no river-level rule until an operator configures one.

The MRC water-level records themselves are *not* embedded (MRC terms of use): they are
read at run time from a path (``--mrc-data`` / ``CITYOPS_MRC_DATA``).
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from cityops.demo import vietnam


class City(NamedTuple):
    """An ASCN pilot city."""

    name: str
    country_iso2: str
    country: str
    lat: float
    lon: float
    timezone: str  # IANA zone
    utc_offset: str
    languages: tuple[str, ...]  # ISO 639 codes, main first
    note: str


class Station(NamedTuple):
    """A Mekong mainstream gauge."""

    name: str
    country_iso2: str
    lat: float
    lon: float
    order: int  # 1 = most upstream
    mrc_code: str | None


class Level(NamedTuple):
    """A published water level of a station (metres, gauge datum)."""

    station: str
    name: str
    metres: float
    source: str


CITIES: tuple[City, ...] = (
    City(
        "Bandar Seri Begawan",
        "BN",
        "Brunei Darussalam",
        4.9031,
        114.9398,
        "Asia/Brunei",
        "+08:00",
        ("ms", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Battambang",
        "KH",
        "Cambodia",
        13.0957,
        103.2022,
        "Asia/Phnom_Penh",
        "+07:00",
        ("km", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Phnom Penh",
        "KH",
        "Cambodia",
        11.5564,
        104.9282,
        "Asia/Phnom_Penh",
        "+07:00",
        ("km", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Siem Reap",
        "KH",
        "Cambodia",
        13.3671,
        103.8448,
        "Asia/Phnom_Penh",
        "+07:00",
        ("km", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Banyuwangi",
        "ID",
        "Indonesia",
        -8.2192,
        114.3691,
        "Asia/Jakarta",
        "+07:00",
        ("id", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "DKI Jakarta",
        "ID",
        "Indonesia",
        -6.2088,
        106.8456,
        "Asia/Jakarta",
        "+07:00",
        ("id", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Makassar",
        "ID",
        "Indonesia",
        -5.1477,
        119.4327,
        "Asia/Makassar",
        "+08:00",
        ("id", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Luang Prabang",
        "LA",
        "Lao PDR",
        19.8856,
        102.1347,
        "Asia/Vientiane",
        "+07:00",
        ("lo", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Vientiane",
        "LA",
        "Lao PDR",
        17.9757,
        102.6331,
        "Asia/Vientiane",
        "+07:00",
        ("lo", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Johor Bahru",
        "MY",
        "Malaysia",
        1.4927,
        103.7414,
        "Asia/Kuala_Lumpur",
        "+08:00",
        ("ms", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Kota Kinabalu",
        "MY",
        "Malaysia",
        5.9804,
        116.0735,
        "Asia/Kuching",
        "+08:00",
        ("ms", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Kuala Lumpur",
        "MY",
        "Malaysia",
        3.1390,
        101.6869,
        "Asia/Kuala_Lumpur",
        "+08:00",
        ("ms", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Kuching",
        "MY",
        "Malaysia",
        1.5535,
        110.3593,
        "Asia/Kuching",
        "+08:00",
        ("ms", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Mandalay",
        "MM",
        "Myanmar",
        21.9588,
        96.0891,
        "Asia/Yangon",
        "+06:30",
        ("my", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Nay Pyi Taw",
        "MM",
        "Myanmar",
        19.7633,
        96.0785,
        "Asia/Yangon",
        "+06:30",
        ("my", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Yangon",
        "MM",
        "Myanmar",
        16.8409,
        96.1735,
        "Asia/Yangon",
        "+06:30",
        ("my", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Cebu City",
        "PH",
        "Philippines",
        10.3157,
        123.8854,
        "Asia/Manila",
        "+08:00",
        ("fil", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Davao City",
        "PH",
        "Philippines",
        7.1907,
        125.4553,
        "Asia/Manila",
        "+08:00",
        ("fil", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Manila",
        "PH",
        "Philippines",
        14.5995,
        120.9842,
        "Asia/Manila",
        "+08:00",
        ("fil", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Singapore",
        "SG",
        "Singapore",
        1.3521,
        103.8198,
        "Asia/Singapore",
        "+08:00",
        ("en", "ms", "zh", "ta"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Bangkok",
        "TH",
        "Thailand",
        13.7563,
        100.5018,
        "Asia/Bangkok",
        "+07:00",
        ("th", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Chonburi",
        "TH",
        "Thailand",
        13.3611,
        100.9847,
        "Asia/Bangkok",
        "+07:00",
        ("th", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Phuket",
        "TH",
        "Thailand",
        7.8804,
        98.3923,
        "Asia/Bangkok",
        "+07:00",
        ("th", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Da Nang",
        "VN",
        "Viet Nam",
        16.0544,
        108.2022,
        "Asia/Ho_Chi_Minh",
        "+07:00",
        ("vi", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Hai Phong",
        "VN",
        "Viet Nam",
        20.8449,
        106.6881,
        "Asia/Ho_Chi_Minh",
        "+07:00",
        ("vi", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Ho Chi Minh City",
        "VN",
        "Viet Nam",
        10.8231,
        106.6297,
        "Asia/Ho_Chi_Minh",
        "+07:00",
        ("vi", "en"),
        "ASCN pilot city (2018)",
    ),
    City(
        "Tam Ky",
        "VN",
        "Viet Nam",
        15.5736,
        108.4740,
        "Asia/Ho_Chi_Minh",
        "+07:00",
        ("vi", "en"),
        "smart city data platform pilot (Quang Nam; 2020-2022)",
    ),
)

STATIONS: tuple[Station, ...] = (
    Station("Chiang Saen", "TH", 20.2741, 100.0885, 1, None),
    Station("Luang Prabang", "LA", 19.8928, 102.1342, 2, None),
    Station("Chiang Khan", "TH", 17.9003, 101.6699, 3, None),
    Station("Vientiane", "LA", 17.9310, 102.6156, 4, None),
    Station("Nong Khai", "TH", 17.8778, 102.7167, 5, None),
    Station("Paksane", "LA", 18.3734, 103.6632, 6, None),
    Station("Nakhon Phanom", "TH", 17.6238, 104.5174, 7, None),
    Station("Thakhek", "LA", 17.3945, 104.8014, 8, None),
    Station("Mukdahan", "TH", 16.5828, 104.7332, 9, None),
    Station("Savannakhet", "LA", 16.5580, 104.7440, 10, None),
    Station("Khong Chiam", "TH", 15.3221, 105.4935, 11, None),
    Station("Pakse", "LA", 15.0998, 105.8132, 12, "013901"),
    Station("Stung Treng", "KH", 13.5325, 105.9502, 13, "014501"),
    Station("Kratie", "KH", 12.4814, 106.0176, 14, None),
    Station("Kompong Cham", "KH", 11.9946, 105.4687, 15, None),
    Station("Prek Kdam", "KH", 11.8112, 104.8068, 16, None),
    Station("Phnom Penh (Bassac)", "KH", 11.5683, 104.9224, 17, None),
    Station("Neak Luong", "KH", 11.2630, 105.2801, 18, None),
    Station("Tan Chau", "VN", 10.8006, 105.2480, 19, None),
    Station("Chau Doc", "VN", 10.7053, 105.1335, 20, None),
)

LEVELS: tuple[Level, ...] = (
    Level("Chiang Saen", "flood", 11.8, "flood level quoted from MRC in the press (asiaone)"),
    Level(
        "Luang Prabang",
        "warning",
        17.5,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level(
        "Luang Prabang",
        "danger",
        18.0,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level("Chiang Khan", "warning", 14.5, "MRC 2024 press release"),
    Level("Chiang Khan", "critical", 16.0, "The Star 2024-09-13"),
    Level(
        "Vientiane",
        "warning",
        11.5,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level(
        "Vientiane",
        "danger",
        12.5,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level("Nong Khai", "flood", 12.2, "MRC 2024 press release"),
    Level(
        "Paksane",
        "warning",
        13.5,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level(
        "Paksane",
        "danger",
        14.5,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level("Nakhon Phanom", "warning", 11.5, "Vietnamese press quoting MRC"),
    Level("Nakhon Phanom", "flood", 12.0, "MRC (Thai national critical level is quoted as 12.5)"),
    Level(
        "Thakhek",
        "warning",
        13.0,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level(
        "Thakhek",
        "danger",
        14.0,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level(
        "Savannakhet",
        "warning",
        12.0,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level(
        "Savannakhet",
        "danger",
        13.0,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level(
        "Pakse",
        "warning",
        11.0,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level(
        "Pakse",
        "danger",
        12.0,
        "Lao Meteorology and Hydrology Department via Vientiane Times (2022)",
    ),
    Level("Stung Treng", "alarm", 10.7, "Cambodia Daily"),
    Level("Stung Treng", "flood", 12.0, "Cambodia Daily"),
    Level("Kratie", "alarm", 22.0, "Phnom Penh Post (2008)"),
    Level("Kompong Cham", "alarm", 15.2, "Phnom Penh Post (2008)"),
    Level("Phnom Penh (Bassac)", "alarm", 10.5, "Phnom Penh Post (2008)"),
    Level("Tan Chau", "BD1", 3.5, "Viet Nam flood alert level (Decision 05/2020/QD-TTg)"),
    Level("Tan Chau", "BD2", 4.0, "Viet Nam flood alert level (Decision 05/2020/QD-TTg)"),
    Level("Tan Chau", "BD3", 4.5, "Viet Nam flood alert level (Decision 05/2020/QD-TTg)"),
    Level("Chau Doc", "BD1", 3.0, "Viet Nam flood alert level (Decision 05/2020/QD-TTg)"),
    Level("Chau Doc", "BD2", 3.5, "Viet Nam flood alert level (Decision 05/2020/QD-TTg)"),
    Level("Chau Doc", "BD3", 4.0, "Viet Nam flood alert level (Decision 05/2020/QD-TTg)"),
)


def slug(name: str) -> str:
    """An organisation/user slug from a name: ``"Phnom Penh (Bassac)"`` -> ``phnom-penh-bassac``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def levels_of(station: str) -> dict[str, float]:
    """The published levels of ``station``, lowest first ({} when none is known);
    Vietnamese gauges of Tam Ky (``demo.vietnam``) by their national names."""
    if station in vietnam.BY_NAME:
        return vietnam.levels(station)
    found = sorted((lv.metres, lv.name) for lv in LEVELS if lv.station == station)
    return {name: metres for metres, name in found}


def sources_of(station: str) -> dict[str, str]:
    """Where each level of ``station`` was published."""
    if station in vietnam.BY_NAME:
        return vietnam.sources(station)
    return {lv.name: lv.source for lv in LEVELS if lv.station == station}


def station_by_code(code: str) -> Station | None:
    """The station with MRC code ``code`` (leading zeros optional)."""
    for st in STATIONS:
        if st.mrc_code is not None and st.mrc_code.lstrip("0") == code.lstrip("0"):
            return st
    return None
