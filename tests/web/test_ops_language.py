"""The operator interface in the user's language: every string of the operator pages is
translated in every catalogue; the language is chosen per user in the top bar and the
pages (and their scripts' strings) follow it."""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from cityops.cap.templates import LANGUAGES
from cityops.web import i18n, translations
from tests.web.conftest import login

ROOT = Path(__file__).resolve().parents[2]


def _in_src(path: str) -> bool:
    """Walk only src/ (the repository also holds .venv, node_modules, test artefacts)."""
    part = Path(os.path.relpath(path, ROOT)).parts
    return not part or part[0] in (".", "src")


@cache
def _msgids() -> set[str]:
    """Every string ``pybabel extract`` finds with the project's babel.cfg: the templates'
    ``_()``, the scripts' ``t()`` and the Python modules' ``N_()`` (public page labels,
    state words, the administration page's notices)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "N_": None, **translations.JS_KEYWORDS}
    found = extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords, directory_filter=_in_src
    )
    return {m for _, _, m, _, _ in found if isinstance(m, str) and m}


def test_operator_pages_have_translatable_strings() -> None:
    ids = _msgids()
    assert {"Incident queue", "Log in", "Language", "Live updates on."} <= ids
    # the scripts' strings, the state words and the public page's labels are in it too
    assert set(translations.js_messages()) <= ids
    assert {"Open station", "No stations in this city.", "Danger", "rising"} <= ids
    assert set(i18n.LABELS.values()) <= ids


@pytest.mark.parametrize("code", sorted(set(LANGUAGES) - {"en"}))
def test_catalogue_is_complete(code: str) -> None:
    """A wrapped string with no translation in any language fails here."""
    path = translations.po_path(code)
    assert path.is_file(), f"no catalogue for {code}: {path}"
    with path.open("rb") as po:
        catalog = read_po(po, locale=code)
    done = {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and m.string and not m.fuzzy and not isinstance(m.id, tuple)
    }
    missing = sorted(_msgids() - set(done))
    assert not missing, f"{code}: untranslated {missing}"
    for msgid, text in done.items():
        for place in (r"%\((\w+)\)s", r"\{(\w+)\}"):  # gettext and str.format places
            names = set(re.findall(place, msgid))
            assert names == set(re.findall(place, text)), f"{code}: {msgid!r}"
    assert "X-Translation-Quality" in path.read_text(encoding="utf-8")  # says how good


async def _choose(client: httpx.AsyncClient, csrf: str, code: str) -> httpx.Response:
    return await client.post(
        "/account/language", data={"csrf_token": csrf, "language": code, "next": "/ops/data"}
    )


def _js_strings(html: str) -> dict[str, str]:
    block = html.split('<script type="application/json" id="ui-strings">', 1)[1]
    return dict(json.loads(block.split("</script>", 1)[0]))


@pytest.mark.parametrize(
    ("code", "strings"),
    [
        (
            "vi",
            {
                "/ops": "Hàng đợi sự cố",
                "/ops/data": "Luồng dữ liệu",
                "/ops/alerts": "Soạn cảnh báo",
                "/ops/network": "Múi giờ",
            },
        ),
        (
            "th",
            {
                "/ops": "คิวเหตุการณ์",
                "/ops/data": "คุณภาพข้อมูล",
                "/ops/alerts": "บันทึกการแก้ไข",
                "/ops/network": "เขตเวลา",
            },
        ),
    ],
)
async def test_pages_follow_the_users_language(
    client: httpx.AsyncClient, city: dict[str, Any], code: str, strings: dict[str, str]
) -> None:
    csrf = await login(client, "operator-a")
    assert "Incident queue" in (await client.get("/ops")).text  # English until chosen
    r = await _choose(client, csrf, code)
    assert r.status_code == 303 and r.headers["location"] == "/ops/data"
    for path, text in strings.items():
        page = await client.get(path)
        assert page.status_code == 200 and text in page.text, path
        assert f'<html lang="{code}">' in page.text
        assert f'<option value="{code}" lang="{code}" selected>' in page.text
    live = _js_strings(page.text)["Live updates on."]
    assert live == translations.gettext_for(code, "Live updates on.") != "Live updates on."
    # the choice is the user's: a new session keeps it
    await client.post("/logout", data={"csrf_token": csrf})
    await login(client, "operator-a")
    assert strings["/ops"] in (await client.get("/ops")).text


async def test_login_page_follows_the_browser(client: httpx.AsyncClient) -> None:
    page = await client.get("/login", headers={"Accept-Language": "th-TH,th;q=0.9"})
    assert '<html lang="th">' in page.text and "เข้าสู่ระบบ" in page.text
    assert "Đăng nhập" in (await client.get("/login?lang=vi")).text


async def test_language_choice_is_checked(client: httpx.AsyncClient, city: dict[str, Any]) -> None:
    csrf = await login(client, "operator-a")
    r = await _choose(client, csrf, "xx")
    assert r.status_code == 400 and "language" in r.text
    r = await client.post("/account/language", data={"language": "vi", "next": "/ops"})
    assert r.status_code == 403
    assert "Incident queue" in (await client.get("/ops")).text
    r = await _choose(client, csrf, "")  # back to the browser's language
    assert r.status_code == 303
    page = await client.get("/ops", headers={"Accept-Language": "vi"})
    assert "Hàng đợi sự cố" in page.text


#: Scripts of the public pages (their words come from the page's labels, not ``t()``).
PUBLIC_SCRIPTS = {"public.js", "public-sw.js", "push.js", "alert-page.js"}
#: Literals that look like words but are codes, names or protocol: never shown as text.
NOT_UI = {
    '"Cancel"', '"Area"', '"Unknown"', '"Polygon"', '"FeatureCollection"',  # CAP/GeoJSON codes
    '"Content-Type"', '"X-CSRF-Token"', '"Notification"',  # HTTP header, browser API
    '"Natural Earth"', '"zoomend moveend"', '"/assets/uplot/dist/uPlot.esm.js"',
}  # fmt: skip
_LITERAL = re.compile(
    r"""(?<![\w$])(t\(\s*)?("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)"""
)


def _english_literals(source: str) -> list[str]:
    """String literals of a script that read as English words and are not ``t()``'s
    argument: a capitalised word in a phrase, or two lowercase words that are not a
    CSS class list or selector."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    source = re.sub(r"(?m)^\s*//.*$|(?<=[;,{}()\s])//[^\n]*", "", source)
    found = []
    for m in _LITERAL.finditer(source):
        literal = m.group(2)
        if m.group(1) or literal in NOT_UI:
            continue
        text = re.sub(r"\$\{[^}]*\}", " ", literal[1:-1])
        capital = re.search(r"[A-Z][a-z]{2,}", text) and (" " in text.strip() or len(text) >= 4)
        phrase = re.search(r"[a-z]{2,} +[a-z]{2,}", text) and not re.search(r"[-.#\[=,/(]", text)
        if capital or phrase:
            found.append(literal)
    return found


def test_every_t_call_is_extracted() -> None:
    """Babel's JavaScript lexer skips a ``t()`` nested in another ``t()``'s arguments; such
    a string would be missing from the catalogue, so every ``t("...")`` must be found."""
    literal = re.compile(r'(?<![\w.$])t\(\s*"((?:[^"\\]|\\.)*)"')
    called = {
        m.group(1)
        for path in translations.JS_DIR.glob("*.js")
        for m in literal.finditer(path.read_text(encoding="utf-8"))
    }
    assert called - set(translations.js_messages()) == set()


def test_operator_scripts_hold_no_english() -> None:
    """Every word an operator page's script shows goes through ``t()`` (so it is in the
    catalogue and tested above); a bare English literal fails here."""
    assert _english_literals('el("a", {}, "Open station"); `${n} open`; x(" · condition cleared")')
    assert not _english_literals('el("a", {}, t("Open station")); el("p", {class: "badge x"})')
    bare = {
        path.name: _english_literals(path.read_text(encoding="utf-8"))
        for path in sorted(translations.JS_DIR.glob("*.js"))
        if path.name not in PUBLIC_SCRIPTS
    }
    assert {name: found for name, found in bare.items() if found} == {}
