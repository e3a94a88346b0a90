"""The demo organisation: idempotent, as API.md describes, and refused in production."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from searchlog.justification import is_justified, missing_answers
from searchlog.models import Approval, ApprovalStatus, Breach, SearchRecord, Team, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    # The test runner turns DEBUG off; the demo is for a development machine.
    settings.DEBUG = True


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_creates_the_demo_organisation(settings, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-123")
    output = seed()
    assert set(Team.objects.values_list("name", flat=True)) == {"Adults North", "Children East"}
    people = {u.username: u for u in User.objects.select_related("team")}
    assert people["practitioner"].team.name == people["practitioner2"].team.name == "Adults North"
    assert people["practitioner3"].team.name == "Children East"
    assert list(people["manager"].managed_teams.values_list("name", flat=True)) == ["Adults North"]
    assert list(people["manager2"].managed_teams.values_list("name", flat=True)) == ["Children East"]
    assert people["auditor"].is_auditor
    for username in people:
        assert authenticate(username=username, password="demo-pass-123") == people[username]
        assert username in output
    assert "demo-pass-123" in output
    assert SearchRecord.objects.count() == 41  # 40, and one search under a prior approval
    assert set(Approval.objects.values_list("status", flat=True)) == set(ApprovalStatus.values)
    assert SearchRecord.objects.get(approval__status="used").status == "signed_off"
    statuses = set(SearchRecord.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "returned", "ig_review", "signed_off", "escalated", "closed"}
    assert SearchRecord.objects.filter(status="signed_off", ig_reviewed_by__username="auditor").exists()
    assert SearchRecord.objects.filter(status="ig_review", account_used="personal_device").exists()
    outcomes = set(SearchRecord.objects.filter(status="closed").values_list("outcome", flat=True))
    assert outcomes == {"no_concern", "advice_given", "breach_referred"}
    assert Breach.objects.count() == 1
    assert SearchRecord.objects.filter(is_justified=False).exists()


def test_every_demo_record_is_consistent_with_the_rule():
    seed()
    for record in SearchRecord.objects.all():
        # Every record past draft satisfies the rule in force; drafts carry the verdict it gives them.
        assert record.is_justified is is_justified(record), record.reference
        if record.status not in ("draft", "returned"):
            assert missing_answers(record) == {}, record.reference
        if record.consent_status not in ("obtained_written", "obtained_verbal"):
            assert not record.consent_given_by and "agreed" not in record.consent_details, record.reference


def test_seed_demo_is_idempotent():
    seed()
    seed()
    assert User.objects.count() == 6
    assert Team.objects.count() == 2
    assert SearchRecord.objects.count() == 41  # 40, and one search under a prior approval
    assert set(Approval.objects.values_list("status", flat=True)) == set(ApprovalStatus.values)
    assert SearchRecord.objects.get(approval__status="used").status == "signed_off"


def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert User.objects.count() == 0
    seed(force=True)
    assert User.objects.count() == 6


def test_the_demo_covers_job_titles_repeat_searching_and_notices():
    from searchlog.flags import flags_for, with_flags_for
    from searchlog.models import Notification

    seed()
    assert not User.objects.filter(job_title="").exists()
    repeated = SearchRecord.objects.filter(subject_key="las-200451").order_by("searched_at")
    assert len({r.subject_reference for r in repeated}) == 3  # three spellings, one person
    assert {r.team.name for r in repeated} == {"Adults North", "Children East"}
    latest = repeated.last()
    manager, auditor = User.objects.get(username="manager"), User.objects.get(username="auditor")
    as_manager = with_flags_for(manager, SearchRecord.objects.filter(pk=latest.pk)).get()
    as_auditor = with_flags_for(auditor, SearchRecord.objects.filter(pk=latest.pk)).get()
    assert "repeat_searching" in flags_for(as_manager)
    assert (as_manager.subject_search_count, as_auditor.subject_search_count) == (2, 3)
    assert Notification.objects.filter(kind="emergency_record", recipient=manager).exists()
    assert Notification.objects.filter(resolved_at__isnull=False).exists()
    assert Notification.objects.filter(resolved_at__isnull=True, read_at__isnull=True).exists()
