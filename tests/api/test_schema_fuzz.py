"""Schemathesis against the service's own OpenAPI schema: no input yields a 5xx, and with keys
required no endpoint but health, the public chain registry and the page's words (i18n) answers
without one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from app.api.app import create_app
from app.core.settings import AccessSettings
from app.services import Services

pytestmark = pytest.mark.integration
# Open by design: health, and the chain registry the chat page reads before it has a key.
PUBLIC = {"/healthz", "/readyz", "/v1/chains", "/v1/i18n", "/v1/i18n/{tag}"}
# Derandomised so that CI runs the same cases every time.
_FUZZ = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def _schema(services: Services) -> schemathesis.BaseSchema:
    app = create_app(services.settings, services)
    app.state.services = services  # the ASGI transport runs no lifespan
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def open_api(sample_services: Callable[..., Services]) -> schemathesis.BaseSchema:
    services = sample_services(access=AccessSettings(rate_limit="100000/minute"))
    return _schema(services)


@pytest.fixture
def locked_api(services_factory: Callable[..., Services]) -> schemathesis.BaseSchema:
    return _schema(services_factory(access=AccessSettings(require_api_key=True)))


def _run_all(schema: schemathesis.BaseSchema, check: Callable[[schemathesis.Case], None]) -> int:
    """Run `check` on generated cases of every operation; return how many operations ran."""
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @_FUZZ
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            check(case)

        run()
        count += 1
    return count


def test_no_input_causes_a_server_error(open_api: schemathesis.BaseSchema) -> None:
    def check(case: schemathesis.Case) -> None:
        response = case.call()
        # No RPC URL is configured here: a well-formed lookup is a 503 that says so, not a crash.
        if case.path.startswith("/v1/contracts/") and response.status_code == 503:
            assert response.json()["error"]["code"] == "chain_not_configured"
            return
        case.validate_response(response, checks=[not_a_server_error])

    assert _run_all(open_api, check) >= 7


def test_every_endpoint_but_the_public_ones_needs_a_key(
    locked_api: schemathesis.BaseSchema,
) -> None:
    def check(case: schemathesis.Case) -> None:
        response = case.call()
        if case.path in PUBLIC:
            assert response.status_code < 500
        else:
            assert response.status_code in (400, 401, 413, 422), (case.path, response.status_code)

    assert _run_all(locked_api, check) >= 6
