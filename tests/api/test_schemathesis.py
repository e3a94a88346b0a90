"""The API against its own OpenAPI schema (schemathesis, in-process WSGI): as a practitioner and as a manager,
generated requests to every operation get no server error and only responses the schema describes.

Bounded so both personas together take about two minutes on a small CI machine: few examples per operation, no
deadline (the first request to a view is slow), and derandomised so a failure in CI is the same failure locally.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from searchlog.models import SearchRecord, User
from searchlog.tokens import token_authenticate, token_issue
from tests.conftest import PASSWORD
from tests.test_mfa import code_for

pytestmark = pytest.mark.django_db
SCHEMA = "/api/schema/?format=json"
TOKEN = "/api/v1/auth/token/"
CHECKS = [not_a_server_error, response_schema_conformance]
# Per operation and persona: enough to reach each view's validation and happy paths, little enough for ~2 minutes.
EXAMPLES = 50


def token_for(user, otp: str = "") -> str:  # type: ignore[no-untyped-def]
    """An API token the way a client gets one: username, password and (for a second factor) a current code."""
    data = {"username": user.username, "password": PASSWORD, **({"otp": otp} if otp else {})}
    response = Client().post(TOKEN, data)
    assert response.status_code == 200, response.content[:300]
    return str(response.json()["token"])


@pytest.fixture(params=["practitioner", "manager"])
def auth_header(request, make_record, justified_answers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(request.param)
    # Something to find: a draft and a submitted record in the persona's team.
    make_record()
    make_record(submit=True, **justified_answers)
    otp = ""
    if request.param == "manager":
        # Managers need a second factor: the token endpoint takes the app's current code as `otp`.
        otp = code_for(TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True))
    return {"Authorization": f"Token {token_for(user, otp)}"}


@pytest.fixture
def _one_connection():  # type: ignore[no-untyped-def]
    """Keep the test's connection (and its transaction) across requests, as Django's test client does: the real
    WSGI handler would close it at the start and end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def auth_header_user(auth_header: dict[str, str]) -> User:
    token = token_authenticate(auth_header["Authorization"].removeprefix("Token "))
    assert token is not None
    return token.user


def operations(auth_header: dict[str, str]) -> list:  # type: ignore[type-arg]
    """Every operation in the schema as the persona sees it (the schema itself is for signed-in users only)."""
    schema = schemathesis.openapi.from_wsgi(SCHEMA, application, headers=auth_header)
    return [result.ok() for result in schema.get_all_operations()]


def failures_of(operation, auth_header: dict[str, str]) -> str | None:  # type: ignore[no-untyped-def]
    """Run generated requests to one operation; what went wrong, or None."""

    references = list(SearchRecord.objects.values_list("reference", flat=True))

    @given(case=operation.as_strategy(), known=st.sampled_from([None, *references]))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case, known: str | None) -> None:  # type: ignore[no-untyped-def]
        # Random references are all 404s: often use a real one, to reach the views' validation and transitions.
        if known and "reference" in (case.path_parameters or {}):
            case.path_parameters["reference"] = known
        headers = auth_header
        if (operation.method.upper(), operation.path) == ("DELETE", TOKEN):
            # Revoking spends the token it presents: each try spends a throwaway one, not the persona's.
            headers = {"Authorization": f"Token {token_issue(user=auth_header_user(auth_header))[0]}"}
        case.validate_response(case.call(headers=headers), checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 (collect every operation's failure, report all)
        return f"{operation.method.upper()} {operation.path}: {error}"
    return None


# schemathesis's own pytest plugin (`from_fixture` + `parametrize`) sets a node attribute pytest 9 no longer has,
# so the operations are run here, one Hypothesis test each, inside the persona's test.
def test_the_api_keeps_to_its_schema(auth_header: dict[str, str], _one_connection: None) -> None:
    found = operations(auth_header)
    assert len(found) > 20
    failures = [failure for operation in found if (failure := failures_of(operation, auth_header))]
    assert not failures, "\n\n".join(failures)
    # Still signed in at the end: the run was not 401s all along after a revoked token.
    assert Client().get("/api/v1/me/", headers=auth_header).status_code == 200
