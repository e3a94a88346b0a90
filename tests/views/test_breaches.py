"""Closed records and the breach register on the pages: auditors only, the ICO clock, the outcome everywhere."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from searchlog import exports, workflow
from searchlog.models import Breach
from tests.factories import JUSTIFIED_ANSWERS
from tests.views.test_records import SUCCESS_BANNER, error_links, html, local, table_rows, tags

pytestmark = pytest.mark.django_db
PERSONAS = ["practitioner", "colleague", "outsider", "manager", "other_manager"]


@pytest.fixture
def breach(make_record, manager, auditor) -> Breach:
    record = make_record(submit=True, **JUSTIFIED_ANSWERS)
    escalation = workflow.record_escalate(record=record, actor=manager, comment="Friends-only content viewed")
    workflow.escalation_close(escalation=escalation, actor=auditor, outcome="breach_referred",
                              comment="Referred to the DPO")
    return Breach.objects.get()


def test_an_auditor_sees_the_register_with_the_ico_clock(client, auditor, breach):
    client.force_login(auditor)
    page = client.get("/breaches/")
    assert page.status_code == 200
    assert f'href="/breaches/{breach.pk}/"' in html(page)
    assert "Report to the ICO by" in html(page) and "hours left" in html(page)
    assert '>Breaches' in html(page)  # in the navigation


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_else_sees_the_register(client, request, breach, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/breaches/").status_code == 404
    assert client.get(f"/breaches/{breach.pk}/").status_code == 404
    assert client.post(f"/breaches/{breach.pk}/", {"found_at": local(timezone.now())}).status_code == 404


def test_an_auditor_records_what_was_done(client, auditor, breach):
    client.force_login(auditor)
    told = timezone.now() - timedelta(minutes=30)
    response = client.post(f"/breaches/{breach.pk}/", {
        "found_at": local(breach.found_at), "person_told": "yes", "person_told_at": local(told),
        "dpo_reported_at": "", "ico_reported_at": local(told), "notes": "Reported by phone",
    }, follow=True)
    assert SUCCESS_BANNER in html(response)
    assert "Reported to the ICO on" in html(response)
    breach.refresh_from_db()
    assert (breach.person_told, breach.notes) == (True, "Reported by phone")
    assert breach.ico_reported_at is not None


def test_a_told_time_without_telling_is_an_error_on_the_page(client, auditor, breach):
    client.force_login(auditor)
    response = client.post(f"/breaches/{breach.pk}/", {
        "found_at": local(breach.found_at), "person_told": "no", "person_told_at": local(timezone.now()),
    })
    assert response.status_code == 200
    assert error_links(response) == ["#id_person_told_at"]


def test_the_outcome_shows_on_the_record_page_lists_and_exports(client, practitioner, auditor, breach):
    client.force_login(practitioner)
    page = html(client.get(f"/records/{breach.record.reference}/"))
    assert tags(page)[:2] == ["Closed", "Possible breach referred to the data protection officer"]
    assert "Closed: Possible breach referred to the data protection officer." in page
    assert "Breach register entry" not in page  # the register is for information governance
    rows = table_rows(client.get("/records/"))
    assert tags(rows[0])[:2] == ["Closed", "Possible breach referred to the data protection officer"]
    client.force_login(auditor)
    assert f'href="/breaches/{breach.pk}/"' in html(client.get(f"/records/{breach.record.reference}/"))
    export = exports.searches_csv(user=auditor)
    header, row = list(csv.reader(io.StringIO("".join(export.chunks))))
    values = dict(zip(header, row, strict=True))
    assert values["Status"] == "Closed"
    assert values["Outcome"] == "Possible breach referred to the data protection officer"
