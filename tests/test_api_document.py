"""The API holds to the document it serves: schemathesis, a real OpenAPI client, reads
/api/v1/openapi.json and sends every operation every documented parameter (valid,
invalid, empty, absurd) and other methods, on the demo data. No 500; every status,
content type, header and body as declared; a documented value accepted, anything
else refused. The number of cases is recorded in var/schemathesis-cases.json and at
the end of the run (tests/conftest.py)."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import resolve
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

DOCUMENT_URL = "/api/v1/openapi.json"
# Cases per operation and phase. Enough to reach every parameter's edge; the CI run of
# the whole suite stays in minutes.
EXAMPLES = 60
CASES = {}  # operation → cases sent; read by tests/conftest.py at the end of the run


def served_document():
    """The document as its URL's view serves it. Read at collection, when no test may
    touch the database, so through the view and not the middleware (whose rate limit
    counts in the database); `test_the_fuzzed_document_is_the_one_served` checks that
    the whole stack serves the same."""
    request = RequestFactory().get(DOCUMENT_URL)
    return json.loads(resolve(DOCUMENT_URL).func(request).content)


schema = schemathesis.openapi.from_dict(
    served_document(),
    config=SchemathesisConfig.from_dict(
        {
            # A documented value may still be refused with the API's 400: a page beyond
            # the last, a year without a published plan, a day after today.
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400"]}},
            # The same cases on every run, so a run's count and time say something.
            "generation": {"max-examples": EXAMPLES, "deterministic": True},
        }
    ),
)


@pytest.fixture
def app(settings):
    """Django's WSGI handler as a server runs it, less closing the connection after each
    request, as Django's test client does: on PostgreSQL that would end the test's
    transaction. The rate limit is raised: schemathesis sends thousands of requests
    from one address, and the 429 it could meet is declared and checked elsewhere."""
    settings.API_RATE_LIMIT = 10**9
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_the_api_holds_to_its_document(case, demo, app):
    CASES[case.operation.label] = CASES.get(case.operation.label, 0) + 1
    # Plain bodies: the WSGI transport would not unpack gzip as an HTTP client does.
    case.call_and_validate(app=app, headers={"Accept-Encoding": "identity"})


def test_the_fuzzed_document_is_the_one_served(client, db):
    response = client.get(DOCUMENT_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == served_document()


def test_the_document_declares_every_operation_and_the_rate_limit(client, db):
    document = client.get(DOCUMENT_URL).json()
    assert document["openapi"].startswith("3.")
    assert list(document["paths"]) == [
        "/api/v1/plans/",
        "/api/v1/projects/",
        "/api/v1/targets/",
        "/api/v1/reports/",
        "/api/v1/questions/",
        "/api/v1/proposals/",
        "/api/v1/candidates/",
        "/api/v1/comments/",
        "/api/v1/tallies/",
        "/api/v1/ratings/",
        "/api/v1/sites/",
        "/api/v1/online_ratings/",
        "/api/v1/sites.geojson",
        "/api/v1/notices/",
        "/api/v1/objections/",
        "/api/v1/supervisions/",
        "/api/v1/matters/",
    ]
    for item in document["paths"].values():
        responses = item["get"]["responses"]
        assert set(responses) == {"200", "400", "429"}
        assert "Retry-After" in responses["429"]["headers"]
    assert not document.get("servers")  # a client aims at the address it read it from
