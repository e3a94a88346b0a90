"""Repeat searching as the guidance means it: one person whatever the spelling; the earlier searches one may see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from searchlog import selectors, workflow
from searchlog.models import SearchRecord
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def searches(practitioner, colleague, outsider):
    """Four searches about one person (three spellings of the reference) and one about someone else."""
    now = timezone.now()

    def search(by, reference: str, days: int) -> SearchRecord:
        return RecordFactory(practitioner=by, subject_reference=reference, searched_at=now - timedelta(days=days))

    return {
        "first": search(practitioner, "LAS-1", 40),
        "colleague": search(colleague, "las-1 ", 5),
        "outsider": search(outsider, "Las-1", 4),
        "other": search(practitioner, "LAS-2", 3),
        "latest": search(practitioner, " LAS-1", 1),
    }


def url(record: SearchRecord) -> str:
    return f"/api/v1/searches/{record.reference}/related/"


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()]


def test_workflow_keeps_the_normalised_subject(make_record):
    assert make_record(subject_reference="  las-1 ").subject_key == "las-1"
    assert make_record(subject_reference="LAS-1").subject_key == "las-1"


@pytest.mark.parametrize(("reader", "expected"), [
    ("manager", ["colleague", "first"]),           # their team's, newest first
    ("auditor", ["outsider", "colleague", "first"]),  # information governance: every team's
    ("practitioner", ["first"]),                    # only their own
])
def test_related_lists_the_earlier_searches_the_reader_may_see(api, searches, request, reader, expected):
    user = request.getfixturevalue(reader)
    assert references(api(user).get(url(searches["latest"]))) == [searches[name].reference for name in expected]


def test_related_serves_what_each_search_was(api, searches, manager):
    row = api(manager).get(url(searches["latest"])).json()[0]
    assert row == {
        "reference": searches["colleague"].reference, "status": "draft", "subject_reference": "las-1 ",
        "searched_at": row["searched_at"], "practitioner": "bob", "team": searches["colleague"].team.name,
        "is_emergency": False,
    }


def test_related_lists_only_earlier_searches(api, searches, manager):
    assert references(api(manager).get(url(searches["first"]))) == []


def test_related_is_404_outside_the_readers_scope(api, searches, outsider, other_manager):
    assert api(outsider).get(url(searches["latest"])).status_code == 404
    assert api(other_manager).get(url(searches["latest"])).status_code == 404
    assert api().get(url(searches["latest"])).status_code in (401, 403)


def test_related_query_count_does_not_grow(api, searches, practitioner, manager):
    client = api(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(searches["latest"])).status_code == 200
        return len(captured)

    few = queries()
    now = timezone.now()
    for days in range(6, 26):
        RecordFactory(practitioner=practitioner, subject_reference="LAS-1", searched_at=now - timedelta(days=days))
    assert queries() == few
    assert few <= 12


def test_the_record_page_lists_the_earlier_searches(client, searches, manager):
    client.force_login(manager)
    page = client.get(f"/records/{searches['latest'].reference}/").content.decode()
    related = page.split('id="related"')[1].split("History")[0]
    assert searches["colleague"].reference in related and searches["first"].reference in related
    assert searches["outsider"].reference not in related and searches["other"].reference not in related


def test_the_practitioner_sees_the_repeat_count_whatever_the_spelling(make_record, practitioner, colleague):
    make_record(by=colleague, subject_reference="las-7 ")
    assert selectors.repeat_search_count(team_id=practitioner.team_id, subject_reference="LAS-7") == 1
    record = make_record(subject_reference="LAS-7")
    assert selectors.repeat_search_count(team_id=practitioner.team_id, subject_reference=" las-7",
                                         exclude_pk=record.pk) == 1


def test_a_second_search_about_a_person_needs_information_governance(make_record, manager, justified_answers):
    make_record(subject_reference="las-8")
    record = make_record(submit=True, **{**justified_answers, "subject_reference": "LAS-8 "})
    record = workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    assert record.status == "ig_review"
