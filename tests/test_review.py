"""Manager review: the state machine, separation of duties, revisions, addenda and escalations."""

from __future__ import annotations

import pytest

from searchlog import workflow
from searchlog.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from searchlog.models import Escalation, Role, Status, Transition
from searchlog.presenters import revision_changes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REVIEW_ACTIONS = {
    "sign_off": lambda record, actor: workflow.record_sign_off(record=record, actor=actor, reviewer_involved=False),
    "return": lambda record, actor: workflow.record_return(record=record, actor=actor, comment="Add the purpose"),
    "escalate": lambda record, actor: workflow.record_escalate(
        record=record, actor=actor, comment="Possible breach").record,
}
RESULT = {"sign_off": Status.SIGNED_OFF, "return": Status.RETURNED, "escalate": Status.ESCALATED}


@pytest.fixture
def submitted(make_record, justified_answers):
    return make_record(submit=True, **justified_answers)


@pytest.mark.parametrize("action", REVIEW_ACTIONS)
@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("practitioner", False),  # their own record
        ("colleague", False),  # same team, not a manager
        ("outsider", False),  # another team
        ("manager", True),  # manages the team
        ("other_manager", False),  # manages another team
        ("auditor", False),  # only when the team has no other manager
    ],
)
def test_who_may_review_a_practitioners_record(request, submitted, manager, action, persona, allowed):
    actor = request.getfixturevalue(persona)
    if allowed:
        record = REVIEW_ACTIONS[action](submitted, actor)
        assert record.status == RESULT[action]
        assert record.transitions.filter(action=action, actor=actor).count() == 1
    else:
        with pytest.raises(NotPermitted):
            REVIEW_ACTIONS[action](submitted, actor)
        submitted.refresh_from_db()
        assert submitted.status == Status.SUBMITTED
        assert not submitted.transitions.filter(action=action).exists()


@pytest.mark.parametrize("action", REVIEW_ACTIONS)
def test_a_manager_never_reviews_their_own_record(make_record, manager, auditor, team, action, justified_answers):
    own = make_record(by=manager, submit=True, **justified_answers)
    with pytest.raises(NotPermitted, match="your own record"):
        REVIEW_ACTIONS[action](own, manager)
    # Another manager of the same team may, and so may information governance.
    second = UserFactory(username="sam", role=Role.MANAGER, team=team)
    team.managers.add(second)
    assert REVIEW_ACTIONS[action](own, second).status == RESULT[action]


def test_an_auditor_reviews_a_managers_own_record(make_record, manager, auditor, justified_answers):
    own = make_record(by=manager, submit=True, **justified_answers)
    assert workflow.record_sign_off(record=own, actor=auditor, reviewer_involved=False).status == Status.SIGNED_OFF


@pytest.mark.parametrize("action", REVIEW_ACTIONS)
@pytest.mark.parametrize("state", ["draft", "returned", "signed_off", "escalated"])
def test_review_only_from_submitted(make_record, practitioner, manager, justified_answers, action, state):
    record = make_record(**justified_answers)
    if state != "draft":
        workflow.record_submit(record=record, actor=practitioner)
        REVIEW_ACTIONS[{"returned": "return", "signed_off": "sign_off", "escalated": "escalate"}[state]](
            record, manager)
    with pytest.raises(TransitionNotAllowed):
        REVIEW_ACTIONS[action](record, manager)
    record.refresh_from_db()
    assert record.status == state


@pytest.mark.parametrize("action", ["return", "escalate"])
@pytest.mark.parametrize("comment", ["", "   "])
def test_return_and_escalate_need_a_comment(submitted, manager, action, comment):
    do = workflow.record_return if action == "return" else workflow.record_escalate
    with pytest.raises(RecordInvalid) as error:
        do(record=submitted, actor=manager, comment=comment)
    assert "comment" in error.value.errors
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_sign_off_records_involvement(submitted, manager):
    record = workflow.record_sign_off(record=submitted, actor=manager, reviewer_involved=True, comment="Fine")
    # An involved reviewer's sign-off needs information governance's too.
    assert record.reviewer_involved and record.status == Status.IG_REVIEW and record.signed_off_at is None
    transition = record.transitions.get(action="sign_off")
    assert (transition.actor, transition.reviewer_involved, transition.comment) == (manager, True, "Fine")


def test_return_then_resubmit_makes_a_new_revision(submitted, practitioner, manager):
    workflow.record_return(record=submitted, actor=manager, comment="Say what you found")
    record = workflow.record_update(record=submitted, actor=practitioner, data={"findings": "Still at home"})
    record = workflow.record_submit(record=record, actor=practitioner)
    assert record.status == Status.SUBMITTED and record.revision == 2
    first, second = record.revisions.all()
    assert (first.number, second.number) == (1, 2)
    assert first.answers["findings"] == "Nothing relevant found." and second.answers["findings"] == "Still at home"
    assert revision_changes(first.answers, second.answers) == [
        ("What you found", "Nothing relevant found.", "Still at home")]
    assert list(record.transitions.values_list("action", flat=True)) == [
        "create", "submit", "return", "submit",
    ]
    assert workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False).status == "signed_off"


def test_a_returned_record_keeps_its_earlier_revision_readable(submitted, practitioner, manager):
    before = submitted.revisions.get().answers
    workflow.record_return(record=submitted, actor=manager, comment="More")
    workflow.record_update(record=submitted, actor=practitioner, data={"purpose": "A new purpose"})
    assert submitted.revisions.get().answers == before


def test_addenda_only_after_submission(make_record, submitted, practitioner, manager, colleague, auditor):
    draft = make_record()
    with pytest.raises(TransitionNotAllowed):
        workflow.addendum_add(record=draft, actor=practitioner, text="Note")
    workflow.record_sign_off(record=submitted, actor=manager, reviewer_involved=False)
    workflow.addendum_add(record=submitted, actor=practitioner, text="Later: the person moved")
    workflow.addendum_add(record=submitted, actor=manager, text="Discussed in supervision")
    for outsider in (colleague, auditor):
        with pytest.raises(NotPermitted):
            workflow.addendum_add(record=submitted, actor=outsider, text="Not mine")
    with pytest.raises(RecordInvalid):
        workflow.addendum_add(record=submitted, actor=practitioner, text="  ")
    assert list(submitted.addenda.values_list("text", flat=True)) == [
        "Later: the person moved", "Discussed in supervision",
    ]
    # After sign-off the content stays frozen.
    with pytest.raises(TransitionNotAllowed):
        workflow.record_update(record=submitted, actor=practitioner, data={"purpose": "x"})


def test_escalate_then_close(submitted, manager, auditor, other_manager):
    escalation = workflow.record_escalate(record=submitted, actor=manager, comment="Personal account used")
    assert escalation.is_open
    for wrong in (manager, other_manager):
        with pytest.raises(NotPermitted):
            workflow.escalation_close(escalation=escalation, actor=wrong, outcome="no_concern", comment="ok")
    with pytest.raises(RecordInvalid) as error:
        workflow.escalation_close(escalation=escalation, actor=auditor, outcome="shrug", comment="")
    assert set(error.value.errors) == {"outcome", "comment"}
    closed = workflow.escalation_close(escalation=escalation, actor=auditor, outcome="advice_given",
                                       comment="Reminded of the policy")
    assert not closed.is_open and closed.closed_by == auditor
    with pytest.raises(TransitionNotAllowed):
        workflow.escalation_close(escalation=closed, actor=auditor, outcome="no_concern", comment="again")
    assert Escalation.objects.get().outcome == "advice_given"
    assert Transition.objects.filter(action="close_escalation").count() == 1
