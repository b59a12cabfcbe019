"""Every link works: each CAP message's ``<web>`` is its own public page ``/alerts/{id}``
(built from the configured public URL), the page answers 200 for published public messages
and 404 for drafts and restricted ones; every ``<web>`` in the feeds answers 200."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from lxml import etree
from sqlalchemy import update

from cityops.cap import CAP_MIME, parse_alert
from cityops.cap.feeds import ATOM_NS
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.base import Store
from tests.alerting.cap_support import add_rule, alerts, cap_xml, make_world, observe
from tests.helpers import bearer

PUBLIC = "https://warnings.hanoi.example"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key="test-secret",
        anonymous_rate_per_min=100000,
        login_rate_per_min=1000,
        public_url=PUBLIC,
    )


@pytest.fixture
def world(store: Store) -> dict[str, Any]:
    return make_world(store)


async def _issue(client: httpx.AsyncClient, op: dict[str, str], alert_id: int) -> None:
    r = await client.post(f"/api/alerts/{alert_id}/issue", headers=op)
    assert r.status_code == 200, r.text


async def _chain(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> list[int]:
    """An operator issues the draft, then an Update, then a Cancel: three message ids."""
    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    op = bearer(world["tok"]["operator"])
    [draft] = await alerts(client, world["tok"]["operator"], "?status=draft")
    await _issue(client, op, draft["id"])
    r = await client.post(f"/api/alerts/{draft['id']}/update", headers=op)
    assert r.status_code == 201, r.text
    upd = r.json()["id"]
    await _issue(client, op, upd)
    r = await client.post(f"/api/alerts/{upd}/cancel", headers=op)
    assert r.status_code == 201, r.text
    return [draft["id"], upd, r.json()["id"]]


async def test_each_message_links_its_own_page(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    ids = await _chain(client, app, store, world)
    for alert_id in ids:
        doc = parse_alert(await cap_xml(client, alert_id))
        webs = {info.web for info in doc.infos}
        assert webs == {f"{PUBLIC}/alerts/{alert_id}"}, (doc.msg_type, webs)
        page = await client.get(urlsplit(f"{PUBLIC}/alerts/{alert_id}").path)
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")


async def test_every_web_link_in_the_feeds_answers(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(client, world, name="a")
    await observe(app, store, world, 11.5)
    op = bearer(world["tok"]["operator"])
    [draft] = await alerts(client, world["tok"]["operator"], "?status=draft")
    await _issue(client, op, draft["id"])
    r = await client.post(f"/api/alerts/{draft['id']}/update", headers=op)
    await _issue(client, op, r.json()["id"])
    links: set[str] = set()
    atom = etree.fromstring((await client.get("/alerts.atom")).content)
    for link in atom.iter(f"{{{ATOM_NS}}}link"):
        if link.get("type") == CAP_MIME:
            links.add(link.get("href"))
    rss = etree.fromstring((await client.get("/alerts.rss")).content)
    links.update(item.findtext("link") for item in rss.iter("item"))
    assert links
    webs = set()
    for href in links:
        doc = parse_alert(await cap_xml(client, int(href.rsplit("/", 1)[1].split(".")[0])))
        webs.update(info.web for info in doc.infos)
    assert webs
    for web in webs:
        assert web.startswith(PUBLIC + "/alerts/")
        assert (await client.get(urlsplit(web).path)).status_code == 200, web
    # and every link an Atom entry carries (the CAP document, the page) answers too
    entry_links = [ln.get("href") for ln in atom.iter(f"{{{ATOM_NS}}}link")]
    assert any(href in webs for href in entry_links)
    for href in entry_links:
        r = await client.get(urlsplit(href).path, follow_redirects=True)
        assert r.status_code == 200, href


async def test_drafts_and_restricted_messages_are_not_public(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    [draft] = await alerts(client, world["tok"]["operator"], "?status=draft")
    assert (await client.get(f"/alerts/{draft['id']}")).status_code == 404
    op = bearer(world["tok"]["operator"])
    await _issue(client, op, draft["id"])
    assert (await client.get(f"/alerts/{draft['id']}")).status_code == 200
    with store.write_engine.begin() as conn:
        conn.execute(
            update(s.alerts).where(s.alerts.c.id == draft["id"]).values(scope="Restricted")
        )
    assert (await client.get(f"/alerts/{draft['id']}")).status_code == 404
    assert (await client.get("/alerts/999999")).status_code == 404


async def test_page_in_the_readers_language_with_zone_and_chain(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    first, upd, cancel = await _chain(client, app, store, world)
    r = await client.get(f"/alerts/{first}", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    assert r.status_code == 200
    html = r.text
    assert '<html lang="vi">' in html and r.headers["content-language"] == "vi"
    assert "Cơ quan phát hành" in html  # issuer label
    assert "hanoi" in html.lower()  # the issuing city
    assert "Asia/Ho_Chi_Minh" in html and "UTC+07:00" in html  # times with their zone
    assert "Cảnh báo này đã được hủy." in html  # the chain ended in a Cancel
    for alert_id in (upd, cancel):
        assert f'href="/alerts/{alert_id}?lang=vi"' in html  # the chain, linked
    assert "Hủy cảnh báo" in html
    # switchable: ?lang= wins over the browser
    en = (await client.get(f"/alerts/{upd}?lang=en", headers={"Accept-Language": "vi"})).text
    assert '<html lang="en">' in en and "Issued by" in en and "What to do" in en
    assert "Updated" in en and 'class="chain-Update current"' in en


async def test_public_page_writes_severity_in_the_readers_language(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(client, world)
    await observe(app, store, world, 11.5)  # warning level: CAP severity Moderate
    [draft] = await alerts(client, world["tok"]["operator"], "?status=draft")
    await _issue(client, bearer(world["tok"]["operator"]), draft["id"])
    vi = (await client.get("/public?lang=vi")).text
    assert "Trung bình" in vi and ">Moderate<" not in vi
    data = (await client.get("/api/public/warnings?lang=th")).json()["value"]
    assert [w["severity_text"] for w in data] == ["ปานกลาง"]
    assert [w["page_url"] for w in data] == [f"/alerts/{draft['id']}"]  # for the public page
    page = (await client.get(f"/alerts/{draft['id']}?lang=km")).text
    assert "មធ្យម" in page
