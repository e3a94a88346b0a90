"""Who reviews a record: one rule (selectors.reviewers_of) read by the workflow, reminders, digests and queues."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from searchlog import reminders, selectors, workflow
from searchlog.models import Notification, Role, SearchRecord, Status, User
from tests.factories import JUSTIFIED_ANSWERS, UserFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def second_manager(team):
    user = UserFactory(username="sam", role=Role.MANAGER, team=team)
    team.managers.add(user)
    return user


def usernames(users) -> list[str]:
    return sorted(u.username for u in users)


def test_a_practitioners_record_goes_to_the_teams_managers(make_record, manager, second_manager, auditor,
                                                            other_manager):
    record = make_record(**JUSTIFIED_ANSWERS)
    assert usernames(selectors.reviewers_of(record)) == ["maria", "sam"]


def test_a_managers_own_record_goes_to_another_manager_of_the_team(make_record, manager, second_manager, auditor):
    own = make_record(by=manager, **JUSTIFIED_ANSWERS)
    assert usernames(selectors.reviewers_of(own)) == ["sam"]


def test_a_sole_managers_own_record_goes_to_information_governance(make_record, manager, auditor, other_manager):
    own = make_record(by=manager, **JUSTIFIED_ANSWERS)
    second_auditor = UserFactory(username="ines", role=Role.AUDITOR, team=None)
    assert usernames(selectors.reviewers_of(own)) == ["aisha", second_auditor.username]


def test_an_inactive_manager_reviews_nothing(make_record, manager, second_manager, auditor):
    own = make_record(by=manager, **JUSTIFIED_ANSWERS)
    User.objects.filter(pk=second_manager.pk).update(is_active=False)
    assert usernames(selectors.reviewers_of(own)) == ["aisha"]


@pytest.mark.parametrize("with_second_manager", [False, True])
@pytest.mark.parametrize("author", ["practitioner", "manager"])
def test_review_scope_agrees_with_reviewers_of(request, make_record, manager, auditor, other_manager, colleague,
                                               outsider, author, with_second_manager):
    if with_second_manager:
        request.getfixturevalue("second_manager")
    record = make_record(by=request.getfixturevalue(author), submit=True, **JUSTIFIED_ANSWERS)
    reviewers = set(selectors.reviewers_of(record))
    for user in User.objects.all():
        assert selectors.can_review(user, record) is (user in reviewers), user.username
        assert (record in selectors.review_queue_for(user)) is (user in reviewers), user.username


def test_a_sole_managers_submission_notifies_information_governance(make_record, manager, auditor, practitioner):
    own = make_record(by=manager, submit=True, **JUSTIFIED_ANSWERS)
    notices = Notification.objects.filter(kind="record_submitted", record=own)
    assert list(notices.values_list("recipient__username", flat=True)) == ["aisha"]


@pytest.mark.parametrize("action", ["sign_off", "return", "escalate"])
def test_an_auditor_reviews_a_sole_managers_record_from_their_queue(make_record, manager, auditor, action):
    own = make_record(by=manager, submit=True, **JUSTIFIED_ANSWERS)
    assert list(selectors.review_queue_for(auditor)) == [own]
    if action == "sign_off":
        workflow.record_sign_off(record=own, actor=auditor, reviewer_involved=False)
    elif action == "return":
        workflow.record_return(record=own, actor=auditor, comment="Add what you found")
    else:
        workflow.record_escalate(record=own, actor=auditor, comment="Possible breach")
    assert SearchRecord.objects.get(pk=own.pk).status != Status.SUBMITTED
    assert list(selectors.review_queue_for(auditor)) == []


def test_the_review_digest_lists_a_sole_managers_record_for_information_governance(make_record, manager, auditor,
                                                                                   practitioner):
    User.objects.update(privacy_checked_at=datetime(2026, 11, 20, tzinfo=LONDON))
    with time_machine.travel(datetime(2026, 11, 20, 15, 0, tzinfo=LONDON), tick=False):
        own = make_record(by=manager, submit=True, **JUSTIFIED_ANSWERS)
        theirs = make_record(submit=True, **JUSTIFIED_ANSWERS)
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=LONDON), tick=False):
        reminders.reminder_sweep()
    digests = dict(Notification.objects.filter(kind="review_digest").values_list("recipient__username", "detail"))
    assert digests == {"aisha": {"references": [own.reference]}, "maria": {"references": [theirs.reference]}}


def test_a_sole_managers_unjustified_draft_is_reported_to_information_governance(manager, auditor):
    start = datetime(2026, 11, 2, 9, 0, tzinfo=LONDON)
    User.objects.update(privacy_checked_at=start)
    with time_machine.travel(start, tick=False):
        draft = workflow.record_create(practitioner=manager, data={"subject_reference": "LAS-1", "searched_at": start})
    with time_machine.travel(start + timedelta(hours=72), tick=False):
        reminders.reminder_sweep()
    told = Notification.objects.filter(kind="unjustified_manager", record=draft)
    assert list(told.values_list("recipient__username", flat=True)) == ["aisha"]


@pytest.mark.parametrize("author", ["practitioner", "manager"])
def test_reviewers_of_is_one_query_and_agrees_with_reviewer_pairs(request, django_assert_num_queries, make_record,
                                                                   manager, auditor, author):
    record = make_record(by=request.getfixturevalue(author), submit=True, **JUSTIFIED_ANSWERS)
    with django_assert_num_queries(1):
        reviewers = list(selectors.reviewers_of(record).values_list("pk", flat=True))
    pairs = selectors.reviewer_pairs(SearchRecord.objects.filter(pk=record.pk))
    assert reviewers == sorted(user_id for _, user_id in pairs)
