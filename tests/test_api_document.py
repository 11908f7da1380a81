"""The API holds to the document it serves: schemathesis, a real OpenAPI client, reads
/api/v1/openapi.json and sends every operation every documented parameter (valid,
invalid, empty, absurd) and other methods, on the demo data, with every check it has.
No 500; every status, content type, header and body as declared; a documented value
answered (2xx), anything else refused. The number of cases is recorded in
var/schemathesis-cases.json and at the end of the run (tests/conftest.py)."""

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
from schemathesis.checks import CHECKS, DEFAULT_MAX_RESPONSE_TIME, load_all_checks
from schemathesis.config import ChecksConfig, SchemathesisConfig

from .factories import PlanFactory

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
            # Every check, each with its own expectations: a value the document allows is
            # answered (2xx), one it forbids refused. max_response_time runs only given a
            # limit; this is the one `--checks all` applies.
            "checks": {"enabled": True, "max_response_time": DEFAULT_MAX_RESPONSE_TIME},
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


def test_the_fuzzing_runs_every_check_schemathesis_has_as_it_comes():
    load_all_checks()
    checks = schema.config.checks
    assert [n for n in CHECKS.get_all_names() if not checks.get_by_name(name=n).enabled] == []
    assert checks.max_response_time.enabled
    # A value the document allows is answered 2xx, not "2xx or 400".
    default = ChecksConfig().positive_data_acceptance.expected_statuses
    assert checks.positive_data_acceptance.expected_statuses == default


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
        "/api/v1/surveys/",
        "/api/v1/sites.geojson",
        "/api/v1/notices/",
        "/api/v1/objections/",
        "/api/v1/supervisions/",
        "/api/v1/matters/",
        "/api/v1/budgets/",
        "/api/v1/funds/",
        "/api/v1/contracts/",
        "/api/v1/payments/",
        "/api/v1/steps/",
        "/api/v1/levels/",
    ]
    for item in document["paths"].values():
        responses = item["get"]["responses"]
        assert set(responses) == {"200", "400", "429"}
        assert "Retry-After" in responses["429"]["headers"]
    assert not document.get("servers")  # a client aims at the address it read it from


def test_the_document_says_which_completion_field_means_what(client, db):
    """A project's is_complete reads its figures (true 公示中 and 整改中); is_closed is
    已完成, false 公示中 and 整改中: each said in its description."""
    project = client.get(DOCUMENT_URL).json()["components"]["schemas"]["ProjectRecord"]
    complete, closed = (project["properties"][name] for name in ("is_complete", "is_closed"))
    assert complete["type"] == closed["type"] == "boolean"
    assert {"is_complete", "is_closed"} <= set(project["required"])
    assert complete["description"].startswith("所有指标都已达到目标值")
    assert "公示中、整改中的实事也为 true" in complete["description"]
    assert closed["description"].startswith("已完成（status 为 complete）")
    assert "整改中（异议成立，待新的数字）的实事为 false" in closed["description"]


# What the document allows of each parameter, and what that finds: the same on every
# operation that takes it.

EMPTY_PAGE = {"count": 0, "next": None, "previous": None, "results": []}
# Operations the demo has nothing public for: their empty page shows no filter at work.
EMPTY_IN_THE_DEMO = {
    "/api/v1/comments/",
    "/api/v1/ratings/",
    "/api/v1/notices/",
    "/api/v1/objections/",
    # Until the demo enters money (issue 35): test_money_data.py fills these.
    "/api/v1/budgets/",
    "/api/v1/funds/",
    "/api/v1/contracts/",
    "/api/v1/payments/",
    # 驿城区 has no level below it in make demo's world (load_demo_city adds a city beside)
    "/api/v1/levels/",
}


def operations_taking(parameter):
    """The paths of the operations that take `parameter`, and its declaration in each."""
    return {
        path: parameters[parameter]
        for path, item in served_document()["paths"].items()
        if parameter in (parameters := {p["name"]: p for p in item["get"]["parameters"]})
    }


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:300])
    return response.json()


def test_a_year_without_a_published_plan_finds_nothing_on_every_operation(client, demo):
    PlanFactory(year=2030, is_published=False)
    operations = operations_taking("plan")
    assert len(operations) == 23  # all but /plans/
    for path in operations:
        everything = get_json(client, path)
        for year in (2030, 2099):  # unpublished, as if it did not exist; never made
            found = get_json(client, f"{path}?plan={year}")
            if path.endswith(".geojson"):
                assert everything["features"] and found["features"] == [], path
            else:
                assert everything["count"] > 0 or path in EMPTY_IN_THE_DEMO, path
                assert found == EMPTY_PAGE, path


def test_plan_is_a_year_a_plan_may_have_on_every_operation(client, db):
    for path, plan in operations_taking("plan").items():
        assert {"type": "integer", "minimum": 2000, "maximum": 2100} in plan["schema"]["anyOf"]
        for year in (1, 1999, 2101):
            error = get_json(client, f"{path}?plan={year}", status=400)["error"]
            assert error["parameter"] == "plan", path
            assert error["message"] == "参数 plan 须为 2000 至 2100 之间的年份，如 2021。"
            assert error["message_en"] == "plan must be a year from 2000 to 2100, such as 2021."


def test_a_page_past_the_last_is_empty_on_every_operation(client, demo):
    operations = operations_taking("page")
    assert len(operations) == 23  # all but the GeoJSON, which is not paged
    for path in operations:
        everything = get_json(client, f"{path}?page_size=500")
        assert everything["next"] is None, path  # one page holds them all
        past = get_json(client, f"{path}?page_size=500&page=2")
        assert past == {
            "count": everything["count"],
            "next": None,
            "previous": f"http://testserver{path}?page_size=500&page=1",
            "results": [],
        }, path


def test_as_of_is_documented_from_2000_with_a_later_day_as_today_on_every_operation(client, db):
    operations = operations_taking("as_of")
    # plans, projects, targets, reports, sites and their GeoJSON, levels
    assert len(operations) == 7
    for path, as_of in operations.items():
        assert as_of["schema"]["anyOf"][0] == {
            "type": "string",
            "format": "date",
            "pattern": r"^[2-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        }
        assert as_of["description"].endswith("；晚于今天的日期按今天"), path
        for day in ("1999-12-31", "10000-01-01", "2021-W26-3"):
            error = get_json(client, f"{path}?as_of={day}", status=400)["error"]
            assert error["parameter"] == "as_of", path
            assert error["message"] == (
                "参数 as_of 须为不早于 2000-01-01 的日期，格式为 年-月-日，如 2021-06-30。"
            )
            assert error["message_en"] == (
                "as_of must be a date from 2000-01-01 on, as YYYY-MM-DD, such as 2021-06-30."
            )


def test_each_records_reading_names_only_its_declared_fields():
    """A record's JSON is made field by field from its declaration (`Record.of`); a
    reading left behind for a field no longer declared would be dead code."""
    from projects.api.archive import EvidenceFile
    from projects.api.schemas import Record

    def records(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from records(sub)

    found = set(records(Record))
    assert EvidenceFile in found and len(found) >= 20
    for record in found:
        assert set(record.READ) <= set(record.model_fields), record.__name__
