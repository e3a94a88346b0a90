"""API errors are JSON whatever goes wrong (500 included, DEBUG on or off), and odd input is a 4xx, never a 500."""

from __future__ import annotations

import logging

import pytest
from django.middleware.common import CommonMiddleware
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from searchlog.api import views as api_views

pytestmark = pytest.mark.django_db
URL = "/api/v1/searches/"


@pytest.fixture
def caller(practitioner):
    """A client that answers as a server would: an unhandled exception becomes a response, not a test error."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(practitioner)
    return client


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_an_unhandled_exception_is_a_json_500_with_the_request_id_and_no_traceback(
        caller, debug, monkeypatch, caplog):
    def explode(self, request):
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(api_views.MeView, "get", explode)
    with caplog.at_level(logging.ERROR, logger="searchlog.api"):
        response = caller.get("/api/v1/me/")
    body = json_error(response, 500)
    assert set(body) == {"detail", "request_id"}
    assert body["request_id"] == response["X-Request-ID"]
    assert b"secret-internal-detail" not in response.content
    assert b"Traceback" not in response.content
    logged = [r for r in caplog.records if r.name == "searchlog.api"]
    assert logged and logged[0].exc_info and "secret-internal-detail" in str(logged[0].exc_info[1])


def test_an_exception_in_a_middleware_is_json_on_the_api_too(caller, debug, monkeypatch):
    def explode(self, request):
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(CommonMiddleware, "process_request", explode)
    body = json_error(APIClient(raise_request_exception=False).get("/api/v1/me/"), 500)
    assert "secret-internal-detail" not in body["detail"]


def test_pages_keep_django_s_own_error_pages(practitioner, debug, monkeypatch):
    def explode(self, request):
        raise RuntimeError("page trouble")

    monkeypatch.setattr(CommonMiddleware, "process_request", explode)
    response = Client(raise_request_exception=False).get("/records/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_api_address_is_a_json_404(caller, debug):
    assert json_error(caller.get("/api/v1/no-such-thing/"), 404)["detail"] == "Not found."


def test_an_unknown_page_is_still_html(client, debug):
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_a_refused_host_is_a_json_400_on_the_api(caller):
    json_error(caller.get("/api/v1/me/", HTTP_HOST="evil.example"), 400)


def test_json_nested_100000_deep_is_a_400(caller):
    body = "[" * 100_000 + "]" * 100_000
    response = caller.generic("POST", URL, body, content_type="application/json")
    assert "nested too deeply" in json_error(response, 400)["detail"]


def test_a_superscript_digit_is_a_team_name_not_an_id(caller, make_record):
    make_record()
    assert caller.get(URL, {"team": "²"}).json()["results"] == []


def test_a_superscript_digit_team_in_the_csv_export_is_an_empty_file(caller, make_record):
    make_record()
    response = caller.get("/api/v1/exports/searches.csv", {"team": "²"})
    assert response.status_code == 200
    assert len(b"".join(response.streaming_content).decode().splitlines()) == 1


@pytest.mark.parametrize(("query", "fields"), [
    ({"from": "0001-01-01", "to": "9999-12-31"}, {"from", "to"}),
    ({"from": "1999-12-31", "to": "2020-01-01"}, {"from"}),
    ({"from": "2020-01-01", "to": "9999-12-31"}, {"to"}),
])
def test_supervision_pack_dates_out_of_range_are_400_by_field(caller, query, fields):
    response = caller.get("/api/v1/exports/supervision-pack.pdf", {"practitioner": "alice", **query})
    body = json_error(response, 400)
    assert set(body) == fields
    assert "must be between 1 January 2000 and" in body[next(iter(fields))][0]


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00+20:30", "2026-01-01T00:00:00-15:00"])
def test_a_timezone_offset_beyond_14_hours_is_400_on_create(caller, value):
    response = caller.post(URL, {"subject_reference": "LAS-1", "searched_at": value}, format="json")
    assert json_error(response, 400) == {"searched_at": ["Enter a time zone offset between -14:00 and +14:00"]}


def test_a_timezone_offset_beyond_14_hours_is_400_on_change(caller, make_record):
    record = make_record()
    response = caller.patch(f"{URL}{record.reference}/", {"searched_at": "2026-01-01T00:00:00+20:30"}, format="json")
    assert set(json_error(response, 400)) == {"searched_at"}


def test_offsets_up_to_14_hours_are_fine(caller):
    searched = (timezone.now() - timezone.timedelta(days=2)).replace(microsecond=0)
    value = searched.astimezone(timezone.get_fixed_timezone(14 * 60)).isoformat()
    response = caller.post(URL, {"subject_reference": "LAS-1", "searched_at": value}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("name", ["searched_after", "searched_before"])
@pytest.mark.parametrize(("value", "message"), [
    ("2026-01-01T00:00:00+20:30", "Enter a time zone offset between -14:00 and +14:00"),
    ("9999-12-31T23:59:59-01:00", "Enter a date and time between the years 1 and 9999"),
])
@pytest.mark.parametrize("path", [URL, "/api/v1/exports/searches.csv"])
def test_list_and_export_moment_filters_refuse_what_the_database_cannot_take(caller, name, value, message, path):
    assert json_error(caller.get(path, {name: value}), 400) == {name: [message]}


@pytest.mark.parametrize("path", [f"{URL}OS%00/", f"{URL}OS-2026%00-000001/submit/", "/api/v1/me/%00"])
def test_a_nul_in_the_api_address_is_a_json_400(caller, path):
    assert "null character" in json_error(caller.get(path), 400)["detail"]


@pytest.mark.parametrize("query", ["practitioner=a%00b", "team=x%00", "status=%00"])
def test_a_nul_in_the_query_string_is_a_json_400(caller, query):
    json_error(caller.get(f"{URL}?{query}"), 400)


@pytest.mark.parametrize("path", ["/records/OS%00/", "/records/?status=%00", "/exports/?format=csv&team=%00"])
def test_a_nul_in_a_page_address_is_a_400_not_a_500(client, practitioner, path):
    client.force_login(practitioner)
    assert client.get(path).status_code == 400


@pytest.mark.parametrize("field", ["subject_reference", "purpose", "findings", "subject_initials"])
def test_a_nul_in_a_json_string_is_a_400_naming_the_field(caller, make_record, field):
    created = caller.post(URL, {"subject_reference": "LAS-1", "searched_at": timezone.now().isoformat(),
                                field: "a\x00b"}, format="json")
    assert set(json_error(created, 400)) == {field}
    record = make_record()
    changed = caller.patch(f"{URL}{record.reference}/", {field: "a\x00b"}, format="json")
    assert set(json_error(changed, 400)) == {field}


def test_a_nul_in_a_comment_is_a_400_naming_it(manager, make_record, justified_answers):
    record = make_record(submit=True, **justified_answers)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(manager)
    response = client.post(f"{URL}{record.reference}/return/", {"comment": "a\x00b"}, format="json")
    assert set(json_error(response, 400)) == {"comment"}


def test_a_10_mb_body_is_a_json_413(caller):
    body = '{"purpose": "' + "x" * 10_000_000 + '"}'
    response = caller.generic("POST", URL, body, content_type="application/json")
    assert "too large" in json_error(response, 413)["detail"]


def test_a_body_just_under_the_limit_is_read(caller, settings):
    body = '{"subject_reference": "LAS-1", "purpose": "' + "x" * 1000 + '"}'
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body)
    response = caller.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400  # read and validated: searched_at is missing
    assert set(response.json()) == {"searched_at"}


def test_the_upload_limit_is_one_megabyte_by_default():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024


def test_a_body_over_the_limit_read_by_a_view_is_a_json_413(caller, settings, monkeypatch):
    """Django's own RequestDataTooBig (a body with no Content-Length read through request.body) becomes 413."""
    from django.core.exceptions import RequestDataTooBig

    def too_big(self, request):
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")

    monkeypatch.setattr(api_views.MeView, "get", too_big)
    json_error(caller.get("/api/v1/me/"), 413)


def test_a_huge_form_post_to_a_page_is_413(client, practitioner):
    client.force_login(practitioner)
    response = client.post("/records/new/", {"purpose": "x" * 2_000_000})
    assert response.status_code == 413


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_CUSTOM"])
def test_a_nul_in_a_header_is_a_json_400(header):
    response = APIClient(raise_request_exception=False).get("/api/v1/me/", **{header: "Token abc\x00def"})
    assert "null character" in json_error(response, 400)["detail"]


def test_an_unhandled_exception_still_reaches_error_reporters(practitioner, monkeypatch):
    """got_request_exception is sent as Django sends it, so the default test client re-raises it."""
    def explode(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(api_views.MeView, "get", explode)
    client = APIClient()
    client.force_authenticate(practitioner)
    with pytest.raises(RuntimeError, match="boom"):
        client.get("/api/v1/me/")


# The database out of reach: a 503 saying when to try again, not a 500.

_OUTAGE = """
import json
from django.test import Client
client = Client(raise_request_exception=False)
api = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token " + "a" * 40)
page = client.post("/sign-in/", {"username": "alice", "password": "x"})
shown = "service is unavailable" in page.content.decode()
print(json.dumps({"api": [api.status_code, api["Content-Type"], api.get("Retry-After"), api.json()],
                  "page": [page.status_code, page.get("Retry-After"), shown]}))
"""


def test_a_database_out_of_reach_is_a_503_with_retry_after_not_a_500():
    import json
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port}/nothing",
           "CONN_MAX_AGE": "0", "SEARCHLOG_TEST_DB_ROLE": "", "ALLOWED_HOSTS": "testserver"}
    run = subprocess.run([sys.executable, "manage.py", "shell", "-c", _OUTAGE], cwd=Path(__file__).parents[2],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    status, content_type, retry_after, body = seen["api"]
    assert (status, content_type, retry_after) == (503, "application/json", "5")
    assert "cannot reach its database" in body["detail"] and body["request_id"]
    assert seen["page"] == [503, "5", True]
