"""The composer's suggested sentence in the alert's languages, from the gettext catalogues:
the hand-computed city of test_compute (2,500 residents in 2 wards; shelters S1 and S2 with
room for 500; hospital H)."""

from __future__ import annotations

import gettext

import shapely

from cityops.exposure.compute import exposure
from cityops.exposure.wording import sentence, sentences
from cityops.web.translations import translations
from tests.exposure.test_compute import AREA, _city


def test_english_and_vietnamese() -> None:
    doc = exposure(_city(), AREA)
    assert (
        doc["sentence"]
        == "about 2,500 residents in 2 wards; 2 shelters with room for 500; 1 hospital"
    )
    got = sentences(doc, ["en-US", "vi-VN"], translations)
    assert got["en-US"] == doc["sentence"]
    assert got["vi-VN"] == (
        "khoảng 2.500 cư dân tại 2 phường; 2 điểm sơ tán có sức chứa 500 người; 1 bệnh viện"
    )


def test_numbers_in_the_language_and_no_shelter_inside() -> None:
    city = _city()
    doc = exposure(city, shapely.box(108.424, 15.5, 108.426, 15.51))  # in ward C, around K
    doc["population"] = 12_437  # rounded to three figures, written the language's way
    vi = sentence(doc, "vi", translations("vi"))
    assert vi.startswith("khoảng 12.400 cư dân tại 1 phường; không có điểm sơ tán bên trong")
    assert "gần nhất: S3 (" in vi and "1 trường học" in vi
    en = sentence(doc, "en", gettext.NullTranslations())
    assert en.startswith("about 12,400 residents in 1 ward; no shelter inside; nearest: S3 (")


def test_a_language_without_catalogue_gets_english_words() -> None:
    doc = exposure(_city(), AREA)
    assert sentences(doc, ["de"], translations)["de"].startswith("about 2.500 residents")
