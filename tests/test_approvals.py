"""Prior approval of planned searches: the life cycle table, who decides, scope, expiry and the record link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from searchlog import approvals, clock, lifecycle, reminders, selectors, workflow
from searchlog.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from searchlog.flags import flags_of
from searchlog.justification import missing_answers
from searchlog.lifecycle import ApprovalAction
from searchlog.models import Approval, ApprovalStatus, AuditEvent, Notification, NotificationKind, SearchRecord
from tests.factories import JUSTIFIED_ANSWERS, REQUEST_ANSWERS, WITHOUT_CONSENT, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(practitioner):
    def make(*, by=None, **answers) -> Approval:
        return approvals.approval_request(requester=by or practitioner, data={**REQUEST_ANSWERS, **answers})

    return make


def _in_state(state: str, ask, manager, practitioner) -> Approval:
    approval = ask()
    if state == ApprovalStatus.REQUESTED:
        return approval
    if state == ApprovalStatus.REFUSED:
        return approvals.approval_refuse(approval=approval, actor=manager, comment="Ask him first at the visit.")
    approval = approvals.approval_approve(approval=approval, actor=manager)
    if state == ApprovalStatus.CANCELLED:
        return approvals.approval_cancel(approval=approval, actor=practitioner)
    if state == ApprovalStatus.EXPIRED:
        approvals.approvals_expire(now=approval.expires_at + timedelta(seconds=1))
    if state == ApprovalStatus.USED:
        workflow.record_create(practitioner=practitioner, data={
            "subject_reference": "LAS-100200", "searched_at": clock.now(), "approval": approval.pk})
    approval.refresh_from_db()
    assert approval.status == state
    return approval


def _act(action: str, approval: Approval, actor) -> Approval:
    if action == ApprovalAction.APPROVE:
        return approvals.approval_approve(approval=approval, actor=actor)
    if action == ApprovalAction.REFUSE:
        return approvals.approval_refuse(approval=approval, actor=actor, comment="Not proportionate yet.")
    return approvals.approval_cancel(approval=approval, actor=actor)


PEOPLE_ACTIONS = (ApprovalAction.APPROVE, ApprovalAction.REFUSE, ApprovalAction.CANCEL)


@pytest.mark.parametrize("state", ApprovalStatus.values)
@pytest.mark.parametrize("action", PEOPLE_ACTIONS)
@pytest.mark.parametrize("party", ["requester", "decider"])
def test_every_action_from_every_state_follows_the_table(state, action, party, ask, manager, practitioner):
    approval = _in_state(state, ask, manager, practitioner)
    actor = practitioner if party == "requester" else manager
    move = lifecycle.approval_move(action, state, lifecycle.REQUESTER if party == "requester" else lifecycle.DECIDER)
    party_to_action = any(m.who == (lifecycle.REQUESTER if party == "requester" else lifecycle.DECIDER)
                          for m in lifecycle.APPROVAL_MOVES if m.action == action)
    if move is not None:
        assert _act(action, approval, actor).status == move.to_state
        assert AuditEvent.objects.filter(action=f"approval.{action}", object_id=approval.label).count() == 1
    elif party_to_action:
        with pytest.raises(TransitionNotAllowed, match=f"Request {approval.label} is"):
            _act(action, approval, actor)
    else:
        with pytest.raises(NotPermitted):
            _act(action, approval, actor)
    approval.refresh_from_db()
    assert approval.status == (move.to_state if move else state)


def test_approving_twice_is_a_conflict_and_keeps_the_first_decision(ask, manager):
    approval = approvals.approval_approve(approval=ask(), actor=manager, conditions="Profile page only.")
    with pytest.raises(TransitionNotAllowed, match="already|Approving is possible only while"):
        approvals.approval_approve(approval=approval, actor=manager)
    approval.refresh_from_db()
    assert approval.conditions == "Profile page only."


def test_the_requester_never_decides_their_own_request(team, manager):
    # A manager's own request goes to another manager of the team, or else to information governance.
    own = approvals.approval_request(requester=manager, data=REQUEST_ANSWERS)
    with pytest.raises(NotPermitted):
        approvals.approval_approve(approval=own, actor=manager)
    auditor = UserFactory(username="ig", role="auditor", team=None)
    assert list(selectors.deciders_of(own)) == [auditor]
    second = UserFactory(username="m2", role="manager", team=team)
    team.managers.add(second)
    assert list(selectors.deciders_of(own)) == [second]


@pytest.mark.parametrize("answers", [{"account_used": "personal_account"}, {"confidential_information": True}])
def test_a_risky_request_goes_to_information_governance(ask, manager, auditor, answers):
    approval = ask(**answers)
    assert list(selectors.deciders_of(approval)) == [auditor]
    with pytest.raises(NotPermitted):
        approvals.approval_approve(approval=approval, actor=manager)
    assert approvals.approval_approve(approval=approval, actor=auditor).status == ApprovalStatus.APPROVED
    assert selectors.decide_queue_for(manager) == []


def test_deciders_are_told_and_the_requester_hears_the_decision(ask, practitioner, manager):
    approval = ask()
    notice = Notification.objects.get(kind=NotificationKind.APPROVAL_REQUESTED)
    assert notice.recipient == manager and notice.approval == approval
    approvals.approval_refuse(approval=approval, actor=manager, comment="Speak to him at the visit first.")
    decided = Notification.objects.get(kind=NotificationKind.APPROVAL_DECIDED)
    assert decided.recipient == practitioner
    assert reminders.notice_title(decided) == f"Your request {approval.label} to search was refused"
    notice.refresh_from_db()
    assert notice.resolved_at is not None


def test_scope_for_every_persona(ask, practitioner, colleague, outsider, manager, other_manager, auditor):
    approval = ask()
    sees = {user.username: selectors.approvals_visible_to(user).filter(pk=approval.pk).exists()
            for user in (practitioner, colleague, outsider, manager, other_manager, auditor)}
    assert sees == {"alice": True, "bob": False, "charlie": False, "maria": True, "david": False, "aisha": True}
    queues = {user.username: [a.pk for a in selectors.decide_queue_for(user)]
              for user in (practitioner, colleague, outsider, manager, other_manager, auditor)}
    assert queues == {"alice": [], "bob": [], "charlie": [], "maria": [approval.pk], "david": [], "aisha": []}
    for user in (colleague, outsider, other_manager):
        with pytest.raises(NotPermitted):
            approvals.approval_approve(approval=approval, actor=user)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("subject_reference", "", "Enter the person's case reference"),
    ("justification", "needed", "write at least"),
    ("platforms", [], "Select where you plan to search"),
    ("viewings", 0, "whole number from 1"),
    ("viewings", 99, "whole number from 1"),
    ("needed_for_days", 400, "whole number from 1"),
    ("account_used", "", "Select which account"),
])
def test_a_request_with_a_bad_answer_is_refused_and_nothing_is_saved(ask, field, value, message):
    with pytest.raises(RecordInvalid) as refused:
        ask(**{field: value})
    assert message in " ".join(refused.value.errors[field])
    assert not Approval.objects.exists()


@pytest.mark.parametrize(("days", "message"), [(-1, "in the future"), (60, "within 28 days")])
def test_an_expiry_in_the_past_or_too_long_is_refused(ask, manager, days, message):
    approval = ask()
    with pytest.raises(RecordInvalid, match=message):
        approvals.approval_approve(approval=approval, actor=manager, expires_at=clock.now() + timedelta(days=days))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REQUESTED


def test_the_default_expiry_is_the_setting(ask, manager, settings):
    settings.SEARCHLOG_APPROVAL_DAYS = 3
    now = timezone.now()
    with clock.frozen_at(now):
        approval = approvals.approval_approve(approval=ask(), actor=manager)
    assert approval.expires_at == now + timedelta(days=3)


def test_refusing_needs_a_reason(ask, manager):
    with pytest.raises(RecordInvalid, match="Enter why"):
        approvals.approval_refuse(approval=ask(), actor=manager, comment=" ")


def test_the_beat_task_expires_approvals_once_when_the_clock_moves(ask, manager):
    from searchlog.tasks import expire_approvals

    approval = approvals.approval_approve(approval=ask(), actor=manager)
    assert expire_approvals() == 0
    with clock.frozen_at(approval.expires_at + timedelta(minutes=1)):
        assert expire_approvals() == 1
        assert expire_approvals() == 0  # delivered twice: expired and audited once
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.EXPIRED
    assert AuditEvent.objects.filter(action="approval.expire", object_id=approval.label).count() == 1


def _record_under(approval, practitioner, **answers):
    data = {"subject_reference": approval.subject_reference, "searched_at": clock.now(), "approval": approval.pk,
            **answers}
    return workflow.record_create(practitioner=practitioner, data=data)


def test_a_search_under_an_approval_is_justified_by_reference_but_needs_its_evaluation(ask, manager, practitioner):
    approval = approvals.approval_approve(approval=ask(), actor=manager)
    answers = {**JUSTIFIED_ANSWERS, **WITHOUT_CONSENT, "consent_status": "not_sought_other",
               "justification": "", "alternatives_considered": "", "findings": "", "actions_taken": []}
    record = _record_under(approval, practitioner, **answers)
    missing = missing_answers(record)
    assert "justification" not in missing and "alternatives_considered" not in missing
    assert set(missing) == {"findings", "actions_taken"}
    record = workflow.record_update(record=record, actor=practitioner,
                                    data={"findings": "Nothing relevant.", "actions_taken": ["no_action"]})
    assert record.is_justified
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.USED
    assert flags_of(record) == ["no_consent"]


def test_a_refusal_is_overridden_by_an_approval(ask, manager, practitioner):
    approval = approvals.approval_approve(approval=ask(), actor=manager)
    record = _record_under(approval, practitioner, **{**JUSTIFIED_ANSWERS, **WITHOUT_CONSENT,
                                                      "consent_status": "refused"})
    assert record.is_justified


def test_a_search_after_expiry_is_outside_the_approval(ask, manager, practitioner):
    approval = approvals.approval_approve(approval=ask(), actor=manager)
    with clock.frozen_at(approval.expires_at + timedelta(hours=1)):
        record = _record_under(approval, practitioner, **{**JUSTIFIED_ANSWERS, **WITHOUT_CONSENT,
                                                          "consent_status": "not_sought_other",
                                                          "justification": ""})
    assert "outside_approval" in flags_of(record)
    assert "justification" in missing_answers(record)  # no longer answered by the approval


def test_more_viewings_than_approved_are_outside_the_approval(ask, manager, practitioner):
    approval = approvals.approval_approve(approval=ask(viewings=2), actor=manager)
    first, second = (_record_under(approval, practitioner) for _ in range(2))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.USED
    third = _record_under(approval, practitioner)
    assert [("outside_approval" in flags_of(r)) for r in (first, second, third)] == [False, False, True]


def test_an_outside_approval_record_goes_to_information_governance(ask, manager, practitioner, auditor, colleague):
    approval = approvals.approval_approve(approval=ask(), actor=manager)
    _record_under(approval, practitioner)
    record = _record_under(approval, practitioner, **JUSTIFIED_ANSWERS)
    record = workflow.record_submit(record=record, actor=practitioner)
    record = workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    assert record.status == "ig_review"


@pytest.mark.parametrize("problem", ["another_subject", "another_practitioner", "refused", "requested",
                                     "cancelled", "unknown"])
def test_a_record_under_an_approval_it_cannot_use_is_refused(ask, manager, practitioner, colleague, problem):
    approval = ask()
    author, subject = practitioner, approval.subject_reference
    if problem == "another_subject":
        subject = "LAS-999999"
    if problem == "another_practitioner":
        author = colleague
    if problem == "refused":
        approvals.approval_refuse(approval=approval, actor=manager, comment="Not proportionate now.")
    elif problem == "cancelled":
        approvals.approval_cancel(approval=approval, actor=practitioner)
    elif problem != "requested":
        approvals.approval_approve(approval=approval, actor=manager)
    pk = 999999 if problem == "unknown" else approval.pk
    with pytest.raises(RecordInvalid) as refused:
        workflow.record_create(practitioner=author, data={"subject_reference": subject,
                                                          "searched_at": clock.now(), "approval": pk})
    assert refused.value.errors["approval"]
    assert not SearchRecord.objects.exists()


def test_changing_the_subject_of_a_record_under_an_approval_is_refused(ask, manager, practitioner):
    approval = approvals.approval_approve(approval=ask(), actor=manager)
    record = _record_under(approval, practitioner)
    with pytest.raises(RecordInvalid, match="another person"):
        workflow.record_update(record=record, actor=practitioner, data={"subject_reference": "LAS-1"})
