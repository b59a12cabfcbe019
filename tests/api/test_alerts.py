"""/api/alerts in-process on SQLite and PostgreSQL: drafts from incidents in English and
Vietnamese, edits per language, issue, access, Update/Cancel chains from an incident's
life driven through real ingest, one URL per CAP document, Atom and RSS feeds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from lxml import etree

from cityops.cap import CAP_MIME, CAP_NS, parse_alert, reference_to
from cityops.cap.feeds import ATOM_NS
from cityops.store.base import Store
from tests.alerting.cap_support import AUTO, add_rule, alerts, cap_xml, make_world, observe
from tests.helpers import bearer


@pytest.fixture
def world(store: Store) -> dict[str, Any]:
    return make_world(store)


async def test_draft_edit_issue_in_vietnamese_and_english(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(client, world)
    await observe(app, store, world, 10.0, 12.4)
    op = bearer(world["tok"]["operator"])
    [draft] = await alerts(client, world["tok"]["operator"], "?status=draft")
    assert (draft["msg_type"], draft["severity"], draft["xml_url"]) == ("Alert", "Severe", None)
    langs = [i["language"] for i in draft["infos"]]
    assert langs == ["en-US", "vi-VN"]
    en, vi = draft["infos"]
    assert "12.4" in en["description"] and "12.4" in vi["description"]
    assert en["headline"] != vi["headline"] and vi["instruction"]
    assert en["web"].endswith(f"/alerts/{draft['id']}")
    assert en["areas"][0]["circles"] == [[15.1, 105.8, 10.0]]
    # the public does not see drafts; the other city gets 404, an analyst 403
    assert (await client.get(f"/api/alerts/{draft['id']}")).status_code == 404
    assert (await client.get(f"/alerts/{draft['id']}.xml")).status_code == 404
    other = bearer(world["tok"]["operator_hue"])
    path = f"/api/alerts/{draft['id']}"
    assert (await client.post(path + "/issue", headers=other)).status_code == 404
    assert (
        await client.post(path + "/issue", headers=bearer(world["tok"]["analyst"]))
    ).status_code == 403
    r = await client.patch(
        path + "/infos/vi",
        headers=op,
        json={"headline": "Cảnh báo lũ: trạm Hà Nội vượt mức nguy hiểm"},
    )
    assert r.status_code == 200, r.text
    r = await client.patch(path + "/infos/vi", headers=op, json={"headline": "x" * 200})
    assert r.status_code == 400 and "headline" in r.json()["field"]
    r = await client.patch(path + "/infos/vi", headers=op, json={"web": "http://evil"})
    assert r.status_code == 400
    r = await client.post(path + "/issue", headers=op)
    assert r.status_code == 200, r.text
    issued = r.json()
    assert issued["status"] == "issued" and issued["identifier"].startswith("urn:oid:2.49.0.")
    alert = parse_alert(await cap_xml(client, draft["id"]))
    assert alert.sent.utcoffset().total_seconds() == 7 * 3600  # local time of Hanoi
    vi_info = alert.infos[1]
    assert vi_info.language == "vi-VN" and vi_info.headline.startswith("Cảnh báo lũ")
    assert vi_info.expires is not None and vi_info.expires > alert.sent
    assert b"+07:00" in await cap_xml(client, draft["id"])
    # an issued alert is never edited and never issued twice
    r = await client.patch(path + "/infos/en", headers=op, json={"headline": "changed"})
    assert r.status_code == 409
    assert (await client.post(path + "/issue", headers=op)).status_code == 409
    assert (await client.get(path)).json()["status"] == "issued"  # public now


@pytest.mark.parametrize("on_resolve", ["cancel", "all_clear"])
async def test_incident_life_builds_reference_chain(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any], on_resolve: str
) -> None:
    await add_rule(client, world, alert={**AUTO, "on_resolve": on_resolve}, cooldown=0)
    await observe(app, store, world, 10.0, 11.5, 11.5)  # open at warning, persisted
    await observe(app, store, world, 12.6)  # escalate to danger
    await observe(app, store, world, 9.0)  # below warning: resolved
    items = sorted(await alerts(client, world["tok"]["operator"]), key=lambda a: a["id"])
    assert [a["msg_type"] for a in items] == [
        "Alert",
        "Update",
        "Cancel" if on_resolve == "cancel" else "Update",
    ]
    assert len({a["chain_id"] for a in items}) == 1
    docs = [parse_alert(await cap_xml(client, a["id"])) for a in items]
    first, update, last = docs
    assert first.infos[0].severity == "Moderate" and update.infos[0].severity == "Severe"
    assert update.references == (reference_to(first),)
    assert last.references == (reference_to(first), reference_to(update))
    if on_resolve == "all_clear":
        assert all(i.response_type == ("AllClear",) for i in last.infos)
    assert [a["status"] for a in items] == [
        "superseded",
        "cancelled" if on_resolve == "cancel" else "superseded",
        "issued",
    ]
    assert len({d.identifier for d in docs}) == 3


async def test_operator_update_and_cancel(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(client, world, alert=AUTO)
    await observe(app, store, world, 12.4, 12.4)
    [first] = await alerts(client, world["tok"]["operator"])
    op = bearer(world["tok"]["operator"])
    r = await client.post(f"/api/alerts/{first['id']}/update", headers=op)
    assert r.status_code == 201, r.text
    draft = r.json()
    assert (draft["status"], draft["msg_type"]) == ("draft", "Update")
    r = await client.patch(
        f"/api/alerts/{draft['id']}/infos/en-US",
        headers=op,
        json={"instruction": "Sandbags at the ward office."},
    )
    assert r.status_code == 200
    assert (await client.post(f"/api/alerts/{draft['id']}/issue", headers=op)).status_code == 200
    update = parse_alert(await cap_xml(client, draft["id"]))
    assert update.infos[0].instruction == "Sandbags at the ward office."
    r = await client.post(f"/api/alerts/{draft['id']}/cancel", headers=op)
    assert r.status_code == 201, r.text
    cancel = parse_alert(await cap_xml(client, r.json()["id"]))
    assert cancel.msg_type == "Cancel" and len(cancel.references) == 2
    r = await client.post(f"/api/alerts/{first['id']}/cancel", headers=op)
    assert r.status_code == 409


async def test_feeds(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await add_rule(client, world, alert=AUTO)
    await observe(app, store, world, 11.5, 11.5)
    await observe(app, store, world, 12.6)
    items = sorted(await alerts(client, world["tok"]["operator"]), key=lambda a: a["id"])
    r = await client.get("/alerts.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom")
    feed = etree.fromstring(r.content)
    a = f"{{{ATOM_NS}}}"
    assert feed.findtext(f"{a}id") and feed.findtext(f"{a}title") and feed.findtext(f"{a}updated")
    entries = feed.findall(f"{a}entry")
    assert len(entries) == 1  # the head of the chain: the Update
    [link] = [ln for ln in entries[0].findall(f"{a}link") if ln.get("type") == CAP_MIME]
    assert link.get("href").endswith(f"/alerts/{items[1]['id']}.xml")
    assert entries[0].findtext(f"{a}id") == items[1]["identifier"]
    r = await client.get(link.get("href").replace("http://test", ""))
    assert etree.fromstring(r.content).tag == f"{{{CAP_NS}}}alert"
    rss = etree.fromstring((await client.get("/alerts.rss")).content)
    [item] = rss.findall("channel/item")
    assert item.findtext("guid") == items[1]["identifier"] and item.findtext("pubDate")
    assert item.find("enclosure").get("type") == CAP_MIME
    assert item.findtext("link").endswith(f"/alerts/{items[1]['id']}.xml")
    # a second chain from another rule: newest first
    r = await client.post(
        "/api/rules",
        headers=bearer(world["tok"]["city_admin"]),
        json={
            "name": "flood-2",
            "type": "river_level",
            "subject": "second",
            "alert": AUTO,
            "inputs": {"level": world["ds"]},
            "levels": {"warning": 11.0, "danger": 12.2},
        },
    )
    assert r.status_code == 201, r.text
    await observe(app, store, world, 12.7, 12.7)
    feed = etree.fromstring((await client.get("/alerts.atom")).content)
    ids = [e.findtext(f"{a}id") for e in feed.findall(f"{a}entry")]
    sent = [e.findtext(f"{a}updated") for e in feed.findall(f"{a}entry")]
    assert len(ids) == 2 and sent == sorted(sent, reverse=True)
    assert (await client.get("/alerts.atom?org=hue")).content.count(b"<entry>") == 0
