"""An admin loads the city's rates table (VND, LAK, KHR, MMK) from the register page."""

from __future__ import annotations

import httpx

from cityops.store.base import Store
from tests.helpers import make_user_token
from tests.web.conftest import login

RATES = b"date,currency,rate\n2024-01-01,VND,0.0000410\n2024-01-01,LAK,0.0000480\n"


async def test_admin_uploads_rates_from_the_page(client: httpx.AsyncClient, store: Store) -> None:
    make_user_token(store, "root", "admin")
    csrf = await login(client, "root")
    page = await client.get("/ops/programmes")
    assert 'action="/ops/programmes/rates"' in page.text
    files = {"file": ("rates.csv", RATES, "text/csv")}
    r = await client.post(
        "/ops/programmes/rates", files=files, data={"csrf_token": csrf, "base": "USD"}
    )
    assert r.status_code == 303 and "loaded=2" in r.headers["location"]
    rates = (await client.get("/api/programmes/rates")).json()
    assert {x["currency"] for x in rates["value"]} == {"VND", "LAK"}
    bad = await client.post(
        "/ops/programmes/rates",
        files={"file": ("rates.csv", b"date,currency,rate\nnope,VND,1\n", "text/csv")},
        data={"csrf_token": csrf, "base": "USD"},
    )
    assert bad.status_code == 303 and "rates_problem=" in bad.headers["location"]
    forged = await client.post("/ops/programmes/rates", files=files, data={"csrf_token": "x"})
    assert forged.status_code == 403
