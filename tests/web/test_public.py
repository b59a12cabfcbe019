"""The public page as a resident reads it: who issued the warning, for which city, when it
was issued and updated and until when it holds (with the city's time zone), an "Updated"
mark on an Update, and an all-clear notice after a Cancel that stays for a set time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from cityops.store.base import Store
from cityops.web import warnings
from tests.alerting.cap_support import add_rule, alerts, make_world, observe
from tests.helpers import bearer


async def issued_alert(client: httpx.AsyncClient, app: Any, store: Store) -> dict[str, Any]:
    """Hanoi's river above danger; the operator issues the draft (or it was issued)."""
    world = make_world(store)
    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    op = world["tok"]["operator"]
    found = await alerts(client, op, "?status=draft,issued")
    assert found, "no alert drafted"
    if found[0]["status"] == "draft":
        r = await client.post(f"/api/alerts/{found[0]['id']}/issue", headers=bearer(op))
        assert r.status_code == 200, r.text
    return {"world": world, "op": op, "id": found[0]["id"]}


def _item(page: str, alert_id: int) -> str:
    start = page.index(f'data-alert="{alert_id}"')
    return page[start : page.index("</li>", start)]


async def test_public_page_names_issuer_region_times_and_zone(
    client: httpx.AsyncClient, app: Any, store: Store
) -> None:
    got = await issued_alert(client, app, store)
    page = (await client.get("/public?lang=en")).text
    item = _item(page, got["id"])
    assert "Issued by" in item and "Hanoi" in item
    assert re.search(r'<option value="hanoi"[^>]*>Hanoi</option>', page), "no region selector"
    assert "Issued</dt>" in item and "Valid until</dt>" in item
    assert item.count("UTC+07:00") >= 2, "issue time and expiry without the city's zone"
    assert "Asia/Ho_Chi_Minh" in item
    assert 'class="updated-mark"' not in item
    doc = (await client.get("/api/public/warnings?lang=en&region=hanoi")).json()
    (w,) = doc["value"]
    assert w["issuer"] == "Hanoi" and w["region"] == "hanoi"
    assert w["timezone"] == "Asia/Ho_Chi_Minh" and w["updated"] is False
    assert (await client.get("/api/public/warnings?region=hue")).json()["value"] == []
    r = await client.get("/api/public/warnings?region=NOT A SLUG")
    assert r.status_code == 400 and r.json()["field"] == "region"


async def test_update_is_marked_and_keeps_first_issue_time(
    client: httpx.AsyncClient, app: Any, store: Store
) -> None:
    got = await issued_alert(client, app, store)
    op = got["op"]
    r = await client.post(f"/api/alerts/{got['id']}/update", headers=bearer(op))
    assert r.status_code == 201, r.text
    update_id = r.json()["id"]
    r = await client.post(f"/api/alerts/{update_id}/issue", headers=bearer(op))
    assert r.status_code == 200, r.text
    first = (await client.get(f"/api/alerts/{got['id']}")).json()
    page = (await client.get("/public?lang=en")).text
    item = _item(page, update_id)
    assert 'class="updated-mark"' in item and "Updated</dt>" in item
    (w,) = (await client.get("/api/public/warnings?lang=en")).json()["value"]
    assert w["updated"] is True and w["id"] == update_id
    assert datetime.fromisoformat(w["first_sent"]) == datetime.fromisoformat(first["sent"])


async def test_cancel_leaves_an_all_clear_notice_for_a_while(
    client: httpx.AsyncClient, app: Any, store: Store
) -> None:
    got = await issued_alert(client, app, store)
    r = await client.post(f"/api/alerts/{got['id']}/cancel", headers=bearer(got["op"]))
    assert r.status_code == 201, r.text
    page = (await client.get("/public?lang=en")).text
    assert f'data-alert="{got["id"]}"' not in page
    assert 'class="all-clear"' in page and "cancelled" in page.lower()
    doc = (await client.get("/api/public/warnings?lang=en")).json()
    assert doc["value"] == [] and len(doc["all_clear"]) == 1
    assert doc["all_clear"][0]["issuer"] == "Hanoi"
    hours = app.state.ctx.settings.public_all_clear_hours
    later = datetime.now(UTC) + timedelta(hours=hours, minutes=1)
    with store.read() as conn:
        assert warnings.all_clears(conn, "en", hours, now=later) == []
        assert len(warnings.all_clears(conn, "en", hours)) == 1


async def test_installable_app_files(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/public/manifest.webmanifest")).json()
    assert doc["start_url"] == "/public" and doc["display"] == "standalone"
    for icon in doc["icons"]:
        r = await client.get(icon["src"])
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    r = await client.get("/public-sw.js")
    assert r.status_code == 200 and r.headers["service-worker-allowed"] == "/public"
    assert r.headers["content-type"].startswith("text/javascript")
    # the cache is named after the files it keeps, so a new release replaces phones' copies
    assert re.search(r'const CACHE = "cityops-public-[0-9a-f]{12}"', r.text)
    page = (await client.get("/public")).text
    assert 'rel="manifest" href="/public/manifest.webmanifest"' in page
    r = await client.get("/public/basemap.pmtiles")
    assert r.status_code == 404  # no city basemap configured


async def test_each_warning_links_its_own_page_in_the_readers_language(
    client: httpx.AsyncClient, app: Any, store: Store
) -> None:
    """#17: the public list links each warning to /alerts/{id}, keeping the chosen language,
    and the all-clear after a Cancel links the Cancel's own page."""
    got = await issued_alert(client, app, store)
    page = (await client.get("/public?lang=vi")).text
    link = f'href="/alerts/{got["id"]}?lang=vi"'
    assert link in _item(page, got["id"]), "the warning does not link its own page"
    own = await client.get(f"/alerts/{got['id']}?lang=vi")
    assert own.status_code == 200 and '<html lang="vi"' in own.text
    listed = (await client.get("/public/warnings.html?lang=th")).text
    assert f'href="/alerts/{got["id"]}?lang=th"' in listed  # the live-refreshed list too
    r = await client.post(f"/api/alerts/{got['id']}/cancel", headers=bearer(got["op"]))
    assert r.status_code == 201, r.text
    cancel_id = r.json()["id"]
    page = (await client.get("/public?lang=vi")).text
    start = page.index(f'data-all-clear="{cancel_id}"')
    notice = page[start : page.index("</li>", start)]
    assert f'href="/alerts/{cancel_id}?lang=vi"' in notice
    assert (await client.get(f"/alerts/{cancel_id}")).status_code == 200


async def test_public_labels_come_from_the_catalogue_in_every_language(
    client: httpx.AsyncClient,
) -> None:
    """The resident page's labels (issuer, subscriptions, ...) are translated in all nine
    languages from the gettext catalogues, not only in English and Vietnamese."""
    from cityops.cap.templates import LANGUAGES
    from cityops.web import i18n

    english = i18n.labels("en")
    for code in LANGUAGES:
        if code == "en":
            continue
        own = i18n.labels(code)
        keys = ("title", "issued_by", "subscribe", "push_on", "offline")
        same = [k for k in keys if own[k] == english[k]]
        assert not same, f"{code}: labels still in English: {same}"
        assert "{address}" in own["inbox_text"]
    page = (await client.get("/public?lang=km")).text
    assert i18n.labels("km")["subscribe"] in page


async def test_every_public_page_says_skip_to_content_in_its_language(
    client: httpx.AsyncClient, app: Any, store: Store
) -> None:
    """base.html's own link follows the page's language, on the alert page too."""
    got = await issued_alert(client, app, store)
    for path in ("/public?lang=th", f"/alerts/{got['id']}?lang=th", "/login?lang=th"):
        page = (await client.get(path)).text
        assert "ข้ามไปยังเนื้อหา" in page and "Skip to content" not in page, path
