"""Schemathesis against the whole OpenAPI document, anonymous and authenticated:
no server error (5xx), and no response that breaks its own declared schema.

The app is built when the module is collected (schemathesis parametrises from a schema
object), on its own temporary SQLite database.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cityops.app import create_app
from cityops.auth.principal import SYSTEM
from cityops.datamodel.entities import BY_NAME
from cityops.settings import Settings
from cityops.sta.create import create_entity
from cityops.store.base import Store
from tests.api.sta_fixtures import THING
from tests.helpers import bearer, make_user_token


def _app() -> tuple[Any, str]:
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='cityops-fuzz-')) / 'fuzz.db'}"
    settings_ = Settings(
        database_url=url, secret_key="k", anonymous_rate_per_min=10**9, login_rate_per_min=10**9
    )
    store = Store(url)
    app = create_app(settings_, store)
    store.write_sync(lambda tx: create_entity(tx, BY_NAME["Thing"], THING, SYSTEM))
    return app, make_user_token(store, "fuzz", "admin")


APP, TOKEN = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# The bar: no 5xx, and responses that match their declared schema and media type.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_anonymous_no_server_errors(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_admin_no_server_errors(case: Any) -> None:
    case.call_and_validate(headers=bearer(TOKEN), checks=CHECKS)
