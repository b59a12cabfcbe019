"""Fonts for Thai, Khmer, Lao and Myanmar script are served by CityOps itself: the page
stylesheet imports the Noto faces from npm packages, and every font file they name answers."""

from __future__ import annotations

import re

import httpx


async def test_script_fonts_are_served_locally(client: httpx.AsyncClient) -> None:
    page = await client.get("/public?lang=km")
    assert page.status_code == 200
    assert '<link rel="stylesheet" href="/static/css/fonts.css">' in page.text
    css = await client.get("/static/css/fonts.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    imports = re.findall(r'@import url\("([^"]+)"\)', css.text)
    families = set()
    for url in imports:
        assert url.startswith("/assets/@fontsource/"), url  # never a CDN
        face = await client.get(url)
        assert face.status_code == 200, url
        families.update(re.findall(r"font-family: '([^']+)'", face.text))
        # the face of the script itself (not only its Latin subset) is there
        base = url.rsplit("/", 1)[0]
        files = re.findall(r"url\(\./(files/[^)]+\.woff2)\)", face.text)
        script = [f for f in files if not re.search(r"-latin(-ext)?-", f)]
        assert script, url
        font = await client.get(f"{base}/{script[0]}")
        assert font.status_code == 200 and font.headers["content-type"] == "font/woff2"
        assert font.content[:4] == b"wOF2"
    assert families == {"Noto Sans Thai", "Noto Sans Khmer", "Noto Sans Lao", "Noto Sans Myanmar"}


async def test_only_the_listed_scoped_packages(client: httpx.AsyncClient) -> None:
    assert (await client.get("/assets/@fontsource/other-font/400.css")).status_code == 404
    bad = "/assets/@fontsource/noto-sans-thai/%2e%2e/%2e%2e/leaflet/package.json"
    assert (await client.get(bad)).status_code == 404
