"""The searches API: create, read, change, submit, filters, errors and scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from searchlog.models import SearchRecord, Status
from tests.conftest import PASSWORD
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/searches/"


def iso(moment) -> str:
    return moment.isoformat()


def test_token_then_me(client, practitioner):
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["expires_at"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json() == {
        "username": "alice", "first_name": practitioner.first_name, "last_name": practitioner.last_name,
        "email": "alice@example.org", "role": "practitioner", "roles": ["practitioner"], "team": "Adults North",
        "managed_teams": [],
    }


def test_wrong_password_gets_no_token(client, practitioner):
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_manager_me_lists_roles_and_teams(api, manager):
    body = api(manager).get("/api/v1/me/").json()
    assert body["roles"] == ["practitioner", "manager"]
    assert body["managed_teams"] == ["Adults North"]


@pytest.mark.parametrize("path", ["/api/v1/me/", URL])
def test_anonymous_is_refused(api, path):
    assert api().get(path).status_code == 401


def test_create_a_draft(api, practitioner):
    searched = timezone.now() - timedelta(hours=2)
    response = api(practitioner).post(
        URL, {"subject_reference": "LAS-1", "searched_at": iso(searched), "platforms": ["facebook", "other"],
              "platforms_other": "A local forum"}, format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("OS-")
    assert body["status"] == "draft"
    assert body["justified"] is False
    assert body["practitioner"] == "alice"
    assert body["team"] == "Adults North"
    assert body["platforms"] == ["facebook", "other"]
    assert SearchRecord.objects.get(reference=body["reference"]).platforms_other == "A local forum"


def test_create_submit_and_read_back(api, practitioner, justified_answers):
    client = api(practitioner)
    created = client.post(
        URL, {"subject_reference": "LAS-1", "searched_at": iso(timezone.now()), **justified_answers}, format="json"
    ).json()
    assert created["justified"] is True
    submitted = client.post(f"{URL}{created['reference']}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_at"]
    assert client.get(f"{URL}{created['reference']}/").json()["status"] == "submitted"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"searched_at": "2999-01-01T00:00:00Z"}, "searched_at"),
        ({"platforms": ["myspace"]}, "platforms"),
        ({"consent_status": "maybe"}, "consent_status"),
        ({"subject_reference": ""}, "subject_reference"),
        ({"subject_reference": None}, "subject_reference"),
        ({"searched_at": "yesterday"}, "searched_at"),
        ({"account_used": "a friend's phone"}, "account_used"),
    ],
)
def test_bad_input_is_400_with_the_field_and_saves_nothing(api, practitioner, payload, field):
    data = {"subject_reference": "LAS-1", "searched_at": iso(timezone.now()), **payload}
    response = api(practitioner).post(URL, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert isinstance(response.json()[field], list)
    assert SearchRecord.objects.count() == 0


def test_missing_required_fields_are_named(api, practitioner):
    response = api(practitioner).post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"subject_reference", "searched_at"}


def test_submit_an_unjustified_record_is_400_with_the_missing_fields(api, practitioner, make_record):
    record = make_record()
    response = api(practitioner).post(f"{URL}{record.reference}/submit/")
    assert response.status_code == 400
    assert {"purpose", "consent_status", "lawful_basis"} <= set(response.json())
    record.refresh_from_db()
    assert record.status == Status.DRAFT


def test_a_moment_before_railway_time_comes_back_as_a_valid_date_time(api, practitioner):
    """Found by schemathesis: Europe/London's local mean time (-00:01:15) is no RFC 3339 offset; say it in UTC."""
    response = api(practitioner).post(URL, {"subject_reference": "LAS-1", "searched_at": "0012-01-09T00:55:01+00:00"},
                                      format="json")
    assert response.status_code == 201, response.content[:300]
    assert response.json()["searched_at"] == "0012-01-09T00:55:01Z"
    assert api(practitioner).get(URL).json()["results"][0]["searched_at"] == "0012-01-09T00:55:01Z"
    later = api(practitioner).post(URL, {"subject_reference": "LAS-1", "searched_at": timezone.now().isoformat()},
                                   format="json").json()["reference"]
    related = api(practitioner).get(f"{URL}{later}/related/")
    assert related.status_code == 200
    assert [row["searched_at"] for row in related.json()] == ["0012-01-09T00:55:01Z"]


def test_patch_a_draft(api, practitioner, make_record):
    record = make_record()
    response = api(practitioner).patch(f"{URL}{record.reference}/", {"purpose": "Check a move"}, format="json")
    assert response.status_code == 200
    assert response.json()["purpose"] == "Check a move"
    record.refresh_from_db()
    assert record.purpose == "Check a move"


def test_patch_answers_with_every_field_the_schema_requires(api, practitioner, make_record):
    """Found by schemathesis: a partial update's answer left out reviewed_by and ig_reviewed_by when they were empty."""
    record = make_record()
    body = api(practitioner).patch(f"{URL}{record.reference}/", {"purpose": "Check a move"}, format="json").json()
    assert body["reviewed_by"] is None and body["ig_reviewed_by"] is None
    assert body["team"] == "Adults North"


def test_patch_cannot_change_status_or_reference(api, practitioner, make_record):
    record = make_record()
    response = api(practitioner).patch(
        f"{URL}{record.reference}/", {"status": "signed_off", "reference": "OS-2026-999999"}, format="json"
    )
    record.refresh_from_db()
    assert response.status_code == 400
    assert response.json() == {"status": ["This field is read-only"], "reference": ["This field is read-only"]}
    assert record.status == Status.DRAFT


def test_patch_a_submitted_record_is_409_and_changes_nothing(api, practitioner, make_record, justified_answers):
    record = make_record(submit=True, **justified_answers)
    response = api(practitioner).patch(f"{URL}{record.reference}/", {"purpose": "Changed"}, format="json")
    assert response.status_code == 409
    assert "detail" in response.json()
    record.refresh_from_db()
    assert record.purpose == justified_answers["purpose"]


def test_submit_twice_is_409(api, practitioner, make_record, justified_answers):
    record = make_record(submit=True, **justified_answers)
    assert api(practitioner).post(f"{URL}{record.reference}/submit/").status_code == 409


def test_put_and_delete_are_not_allowed(api, practitioner, make_record):
    record = make_record()
    client = api(practitioner)
    assert client.put(f"{URL}{record.reference}/", {}, format="json").status_code == 405
    assert client.delete(f"{URL}{record.reference}/").status_code == 405
    assert SearchRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("persona", ["colleague", "outsider", "other_manager"])
def test_another_practitioners_record_is_404(request, api, make_record, persona):
    record = make_record()
    client = api(request.getfixturevalue(persona))
    assert client.get(f"{URL}{record.reference}/").status_code == 404
    assert client.patch(f"{URL}{record.reference}/", {"purpose": "x"}, format="json").status_code == 404
    assert client.post(f"{URL}{record.reference}/submit/").status_code == 404
    assert record.reference not in [r["reference"] for r in client.get(URL).json()["results"]]
    record.refresh_from_db()
    assert record.purpose == ""


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_manager_and_auditor_read_but_cannot_change(request, api, make_record, persona, justified_answers):
    record = make_record(**justified_answers)
    client = api(request.getfixturevalue(persona))
    assert client.get(f"{URL}{record.reference}/").status_code == 200
    assert client.patch(f"{URL}{record.reference}/", {"purpose": "x"}, format="json").status_code == 403
    assert client.post(f"{URL}{record.reference}/submit/").status_code == 403
    record.refresh_from_db()
    assert record.status == Status.DRAFT and record.purpose == justified_answers["purpose"]


def test_auditor_cannot_create(api, auditor):
    response = api(auditor).post(URL, {"subject_reference": "X", "searched_at": iso(timezone.now())}, format="json")
    assert response.status_code == 403
    assert SearchRecord.objects.count() == 0


def test_list_filters(api, practitioner, make_record, justified_answers):
    submitted = make_record(submit=True, **justified_answers)
    draft = make_record(consent_status="refused", searched_at=timezone.now() - timedelta(days=3))
    emergency = make_record(quick=True, platforms=["facebook"], emergency_category="risk_to_life")
    client = api(practitioner)

    def refs(**params) -> set[str]:
        return {r["reference"] for r in client.get(URL, params).json()["results"]}

    assert refs() == {submitted.reference, draft.reference, emergency.reference}
    assert refs(status="submitted") == {submitted.reference}
    assert refs(justified="true") == {submitted.reference}
    assert refs(justified="false") == {draft.reference, emergency.reference}
    assert refs(is_emergency="true") == {emergency.reference}
    assert refs(consent_status="refused") == {draft.reference}
    assert refs(team="Adults North") == refs()
    assert refs(team=str(practitioner.team_id)) == refs()
    assert refs(team="Children East") == set()
    assert refs(practitioner="alice") == refs()
    assert refs(searched_before=iso(timezone.now() - timedelta(days=1))) == {draft.reference}
    assert draft.reference not in refs(searched_after=iso(timezone.now() - timedelta(days=1)))
    assert client.get(URL, {"status": "nonsense"}).status_code == 400


def test_list_is_paginated_with_flags(api, practitioner, make_record):
    make_record(quick=True, platforms=["facebook"], emergency_category="risk_to_life")
    body = api(practitioner).get(URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert body["results"][0]["flags"] == ["emergency"]


def test_repeat_searching_flag_counts_the_team(api, practitioner, colleague, make_record):
    for author in (practitioner, colleague, practitioner):
        make_record(by=author, subject_reference="LAS-7")
    flags = [r["flags"] for r in api(practitioner).get(URL).json()["results"]]
    assert ["repeat_searching"] in flags


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow(api, practitioner):
    client = api(practitioner)
    RecordFactory.create_batch(5, practitioner=practitioner)
    five = _list_queries(client)
    RecordFactory.create_batch(45, practitioner=practitioner)
    assert _list_queries(client) == five


def test_schema_and_docs_are_served_locally(client, practitioner):
    client.force_login(practitioner)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/searches/{reference}/submit/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
    assert b"/static/drf_spectacular_sidecar/" in docs.content
    # Swagger UI's own start-up script is a file of its own, never inline (the CSP refuses inline scripts).
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
    assert b"<script>" not in docs.content


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_schema_and_docs_need_sign_in(client, path):
    response = client.get(path)
    assert response.status_code in (302, 401)
    assert b"/api/v1/searches/" not in response.content
    if response.status_code == 302:
        assert "/sign-in/" in response["Location"]


def test_openapi_schema_has_no_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yml"))
    schema = (tmp_path / "schema.yml").read_text()
    for path in ("/api/v1/review-queue/", "/api/v1/escalations/{id}/close/", "/api/v1/notifications/",
                 "/api/v1/audit-events/", "/api/v1/exports/searches.csv"):
        assert path in schema


# The justification rule, version 2, through the API: the contract's names, and 400 with the field per rule.

def test_the_new_answers_are_read_and_written_by_their_contract_names(api, practitioner, justified_answers):
    payload = {"subject_reference": "LAS-1", "searched_at": iso(timezone.now() - timedelta(hours=1)),
               **justified_answers, "confidential_information": True,
               "profile_urls": ["https://www.facebook.com/example"]}
    created = api(practitioner).post(URL, payload, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    for field in ("subject_relationship", "consent_given_by", "alternatives_considered", "findings"):
        assert body[field] == payload.get(field, "")
    assert body["confidential_information"] is True
    assert body["profile_urls"] == ["https://www.facebook.com/example"]
    assert (body["reviewed_by"], body["ig_reviewed_by"], body["justified"]) == (None, None, True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent_status": "not_possible", "consent_given_by": "", "justification": "needed",
          "alternatives_considered": "None would do, nothing else.",
          "collateral_intrusion": "No one else was seen on the page."},
         "justification"),
        ({"consent_status": "not_possible", "consent_given_by": "", "justification": "Needed to check a risk now.",
          "alternatives_considered": "", "collateral_intrusion": "No one else was seen on the page."},
         "alternatives_considered"),
        ({"consent_status": "not_possible", "consent_given_by": "", "justification": "Needed to check a risk now.",
          "alternatives_considered": "None would do, nothing else.", "collateral_intrusion": "None",
          }, "collateral_intrusion"),
        ({"consent_status": "not_possible", "consent_given_by": "", "lawful_basis": "consent",
          "justification": "Needed to check a risk now.", "alternatives_considered": "None would do, nothing else.",
          "collateral_intrusion": "No one else was seen on the page."}, "lawful_basis"),
        ({"consent_status": "refused", "consent_given_by": "", "justification": "Needed to check a risk now.",
          "alternatives_considered": "None would do, nothing else.",
          "collateral_intrusion": "No one else was seen on the page."},
         "is_emergency"),
        ({"consent_given_by": ""}, "consent_given_by"),
        ({"findings": ""}, "findings"),
        ({"subject_relationship": ""}, "subject_relationship"),
        ({"confidential_information": None}, "confidential_information"),
    ],
)
def test_submit_breaking_a_rule_is_400_with_its_field(api, practitioner, make_record, justified_answers, changes,
                                                      field):
    record = make_record(**{**justified_answers, **changes})
    response = api(practitioner).post(f"{URL}{record.reference}/submit/")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0].startswith(("Enter", "Select", "Say more", "The person refused"))


def test_a_bad_profile_address_is_400_on_save(api, practitioner):
    response = api(practitioner).post(URL, {
        "subject_reference": "LAS-1", "searched_at": iso(timezone.now()), "profile_urls": ["facebook.com/x"],
    }, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["profile_urls"]


def test_the_schema_documents_the_error_answers(client, practitioner):
    client.force_login(practitioner)
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    submit = paths["/api/v1/searches/{reference}/submit/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409"} <= set(submit)
    assert {"400", "401"} <= set(paths["/api/v1/searches/"]["get"]["responses"])
    assert "409" not in paths["/api/v1/searches/"]["post"]["responses"]
    assert "429" in paths["/api/v1/auth/token/"]["post"]["responses"]


def test_a_record_is_shown_the_same_by_the_shared_fields_and_by_a_requests_own(api, practitioner, make_record,
                                                                              justified_answers):
    from searchlog import selectors
    from searchlog.api.serializers import SearchRecordSerializer
    from searchlog.flags import flagged_record

    record = flagged_record(make_record(submit=True, **justified_answers).pk, related=selectors.RECORD_PEOPLE)
    own = SearchRecordSerializer(record)
    assert own.fields  # built for this serializer, as a request's serializer has them
    assert SearchRecordSerializer(record).data == own.data
    assert api(practitioner).get(f"{URL}{record.reference}/").json() == own.data


@pytest.mark.parametrize(("method", "path", "body", "queries"), [
    # (signed in without a token) the record found in scope, its lock, the save, its revision, transition and
    # audit event, its reviewers (one query), their notices, the notices it resolves, and the record's flags
    ("post", "submit/", None, 10),
    ("patch", "", {"findings": "Found a profile"}, 5),
])
def test_an_action_costs_a_fixed_number_of_queries(api, practitioner, manager, make_record, justified_answers,
                                                   method, path, body, queries):
    record = make_record(**justified_answers)
    client = api(practitioner)
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(f"{URL}{record.reference}/{path}", body, format="json")
    assert response.status_code == 200, response.content
    statements = [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == queries, "\n".join(statements)


def test_each_actions_response_is_the_record_as_read_back(api, practitioner, manager, justified_answers):
    """An action answers with the workflow's record and its flags read now: exactly what a read returns after it."""
    client, reviewer = api(practitioner), api(manager)
    body = {**{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in justified_answers.items()},
            "subject_reference": "LAS-7", "searched_at": "2026-01-05T10:30:00+00:00"}
    created = client.post(URL, body, format="json")
    assert created.status_code == 201, created.content
    url = f"{URL}{created.json()['reference']}/"
    steps = [
        lambda: created,
        lambda: client.patch(url, {"findings": "Found a profile", "is_emergency": True,
                                     "emergency_category": "safeguarding"}, format="json"),
        lambda: client.post(f"{url}submit/"),
        lambda: reviewer.post(f"{url}return/", {"comment": "Say more"}, format="json"),
        lambda: client.post(f"{url}submit/"),
        lambda: reviewer.post(f"{url}sign-off/", {"reviewer_involved": True}, format="json"),
    ]
    statuses = []
    for step in steps:
        answer = step()
        assert answer.status_code in (200, 201), answer.content
        shown, read = answer.json(), reviewer.get(url).json()
        assert shown == {key: read[key] for key in shown}
        # A PATCH answers through its partial serializer, which has always left out people not yet set.
        assert set(read) - set(shown) <= ({"reviewed_by", "ig_reviewed_by"} if answer.request["REQUEST_METHOD"]
                                          == "PATCH" else set())
        statuses.append(shown["status"])
    assert statuses[:5] == ["draft", "draft", "submitted", "returned", "submitted"]
    assert {"emergency", "late_record", "reviewer_involved"} <= set(answer.json()["flags"])
