"""The review pages: the queue, the review forms on the record page, returns and revisions, escalations, addenda."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from searchlog.models import Escalation, SearchRecord, Status, Transition
from tests.factories import RecordFactory
from tests.views.test_records import ERROR_SUMMARY, SUCCESS_BANNER, error_links, form_data, html, local, tags

pytestmark = pytest.mark.django_db

REVIEW_HEADING = "Review this record"
REVIEW_ACTIONS = ("sign-off", "return", "escalate")


def queue_references(response) -> list[str]:
    """The references in the queue's table, in the order shown."""
    body = html(response)
    start = body.index('<tbody class="govuk-table__body">') if "govuk-table__body" in body else len(body)
    return re.findall(r'href="/records/(OS-\d{4}-\d+)/"', body[start:])


def nav_count(response, text: str) -> str | None:
    """The number beside a navigation item, or None when the item has no number (or is not there)."""
    match = re.search(
        rf'class="govuk-service-navigation__link"[^>]*>\s*(?:<strong[^>]*>)?{re.escape(text)}'
        r'(?: <span class="app-navigation-count"><span class="govuk-visually-hidden">\(</span>(\d+))?',
        html(response),
    )
    assert match, f"no navigation item {text!r}"
    return match.group(1)


def nav_items(response) -> list[str]:
    return [text.strip() for text in re.findall(
        r'class="govuk-service-navigation__link" href="[^"]*"[^>]*>\s*(?:<strong[^>]*>)?([^<]+)', html(response)
    )]


def review_forms(response, reference: str) -> list[str]:
    """Which review forms the page offers."""
    body = html(response)
    if f'action="/records/{reference}/review/"' not in body:
        return []
    return [action for action, value in zip(REVIEW_ACTIONS, ("sign_off", "return", "escalate"), strict=True)
            if f'name="decision" type="radio" value="{value}"' in body]


def has_addendum_form(response, reference: str) -> bool:
    return f'action="/records/{reference}/addenda/"' in html(response)


def submitted_ago(**delta) -> dict:
    """A submitted, justified record straight into the table, submitted that long ago."""
    return {"status": Status.SUBMITTED, "is_justified": True, "submitted_at": timezone.now() - timedelta(**delta)}


@pytest.fixture
def submitted(make_record, justified_answers) -> SearchRecord:
    """The practitioner's record, submitted for review; searched on the minute, so the form posts it back as is."""
    searched_at = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    return make_record(submit=True, searched_at=searched_at, **justified_answers)


def page_of(client, record: SearchRecord):
    return client.get(f"/records/{record.reference}/")


def refreshed(record: SearchRecord) -> SearchRecord:
    record.refresh_from_db()
    return record


# --- The review queue ---------------------------------------------------------------------------------------


def test_the_queue_lists_only_submitted_records_of_the_managers_teams_oldest_first(
    client, practitioner, colleague, outsider, manager,
):
    newest = RecordFactory(practitioner=colleague, **submitted_ago(hours=1))
    oldest = RecordFactory(practitioner=practitioner, **submitted_ago(days=3))
    middle = RecordFactory(practitioner=practitioner, **submitted_ago(days=1))
    RecordFactory(practitioner=practitioner, status=Status.DRAFT)
    for status in (Status.RETURNED, Status.SIGNED_OFF, Status.ESCALATED):  # reviewed already
        RecordFactory(practitioner=practitioner, **{**submitted_ago(days=6), "status": status},
                      signed_off_at=timezone.now() if status == Status.SIGNED_OFF else None)
    RecordFactory(practitioner=outsider, **submitted_ago(days=5))
    RecordFactory(practitioner=manager, **submitted_ago(days=4))  # the manager's own: never theirs to review
    client.force_login(manager)
    response = client.get("/review/")
    assert response.status_code == 200
    assert queue_references(response) == [oldest.reference, middle.reference, newest.reference]
    assert "3 records waiting." in html(response)


def test_the_navigation_counts_the_records_waiting_for_the_manager(client, practitioner, colleague, manager,
                                                                  make_record, justified_answers):
    first = make_record(submit=True, **justified_answers)
    make_record(by=colleague, submit=True, **justified_answers)
    make_record(**justified_answers)  # a draft is not waiting
    make_record(by=manager, submit=True, **justified_answers)  # nor is the manager's own
    client.force_login(manager)
    assert nav_count(client.get("/records/"), "Review queue") == "2"
    assert nav_count(client.get("/review/"), "Review queue") == "2"

    client.post(f"/records/{first.reference}/sign-off/", {"reviewer_involved": "no"})
    assert nav_count(client.get("/records/"), "Review queue") == "1"


def test_the_navigation_count_is_zero_for_another_teams_manager(client, other_manager, make_record,
                                                               justified_answers):
    make_record(submit=True, **justified_answers)
    client.force_login(other_manager)
    assert nav_count(client.get("/records/"), "Review queue") == "0"


@pytest.mark.parametrize("persona", ["practitioner", "colleague", "outsider"])
def test_people_who_do_not_review_have_no_review_queue(client, request, make_record, justified_answers, persona):
    make_record(submit=True, **justified_answers)
    client.force_login(request.getfixturevalue(persona))
    items = nav_items(client.get("/records/"))
    assert "My records" in items
    assert "Review queue" not in items
    assert client.get("/review/").status_code == 404
    assert client.get("/review/?flag=emergency").status_code == 404


def test_another_teams_manager_sees_an_empty_queue(client, other_manager, make_record, justified_answers):
    make_record(submit=True, **justified_answers)
    client.force_login(other_manager)
    response = client.get("/review/")
    assert response.status_code == 200
    assert queue_references(response) == []
    assert "0 records waiting." in html(response)
    assert "Nothing is waiting for your review." in html(response)


def test_the_queue_filters_by_flag(client, practitioner, manager):
    emergency = RecordFactory(practitioner=practitioner, is_emergency=True, emergency_category="missing_person",
                              consent_status="not_sought_emergency", **submitted_ago(days=2))
    personal = RecordFactory(practitioner=practitioner, account_used="personal_account", **submitted_ago(days=1))
    plain = RecordFactory(practitioner=practitioner, consent_status="obtained_written", **submitted_ago(hours=2))
    client.force_login(manager)
    assert queue_references(client.get("/review/?flag=emergency")) == [emergency.reference]
    assert queue_references(client.get("/review/?flag=no_consent")) == [emergency.reference]
    assert queue_references(client.get("/review/?flag=personal_account")) == [personal.reference]
    assert queue_references(client.get("/review/?flag=interaction")) == []
    assert queue_references(client.get("/review/?flag=")) == [emergency.reference, personal.reference,
                                                              plain.reference]
    filtered = client.get("/review/?flag=emergency")
    assert "1 record waiting." in html(filtered)
    assert re.search(r'<option value="emergency" selected>', html(filtered))


def test_the_queue_shows_each_records_flags(client, practitioner, manager):
    record = RecordFactory(practitioner=practitioner, is_emergency=True, interaction="interacted",
                           **submitted_ago(hours=2))
    client.force_login(manager)
    row = re.search(rf"<tr class=\"govuk-table__row\">(?:(?!</tr>).)*{record.reference}.*?</tr>",
                    html(client.get("/review/")), re.S)
    assert row
    assert tags(row.group(0)) == ["Emergency", "Interaction"]


def test_the_queue_filters_by_practitioner(client, practitioner, colleague, manager):
    alices = [RecordFactory(practitioner=practitioner, **submitted_ago(days=n)) for n in (3, 1)]
    bobs = RecordFactory(practitioner=colleague, **submitted_ago(days=2))
    client.force_login(manager)
    assert queue_references(client.get("/review/?practitioner=alice")) == [r.reference for r in alices]
    assert queue_references(client.get("/review/?practitioner=bob")) == [bobs.reference]
    response = client.get("/review/?practitioner=bob&flag=emergency")
    assert queue_references(response) == []
    # The choice of practitioners is the people with records waiting, by username.
    select = html(response).split('name="practitioner"')[1].split("</select>")[0]
    options = re.findall(r'<option value="([^"]*)"', select)
    assert sorted(options) == ["", "alice", "bob"]


def test_the_queue_pages_keep_the_filters(client, practitioner, manager):
    for n in range(27):
        RecordFactory(practitioner=practitioner, is_emergency=True, **submitted_ago(hours=n + 1))
    client.force_login(manager)
    first = client.get("/review/?flag=emergency&practitioner=alice")
    assert len(queue_references(first)) == 25
    assert "27 records waiting." in html(first)
    assert 'href="?flag=emergency&amp;practitioner=alice&amp;page=2"' in html(first)
    assert len(queue_references(client.get("/review/?flag=emergency&practitioner=alice&page=2"))) == 2


def test_the_queue_makes_as_many_queries_for_a_hundred_records_as_for_ten(client, practitioner, colleague,
                                                                         manager):
    client.force_login(manager)

    def queries_for_queue() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/review/").status_code == 200
        return len(queries)

    for n in range(10):
        RecordFactory(practitioner=(practitioner, colleague)[n % 2], **submitted_ago(hours=n + 1))
    few = queries_for_queue()
    for n in range(90):
        RecordFactory(practitioner=(practitioner, colleague)[n % 2], is_emergency=bool(n % 3),
                      **submitted_ago(days=1, hours=n))
    assert queries_for_queue() == few


# --- The review forms on the record page --------------------------------------------------------------------


def test_the_teams_manager_sees_the_review_forms(client, manager, submitted):
    client.force_login(manager)
    response = page_of(client, submitted)
    assert response.status_code == 200
    assert REVIEW_HEADING in html(response)
    assert review_forms(response, submitted.reference) == list(REVIEW_ACTIONS)
    assert 'name="reviewer_involved" type="radio" value="no"' in html(response)
    assert 'name="reviewer_involved" type="radio" value="yes"' in html(response)


@pytest.mark.parametrize(("persona", "status_code"), [
    ("practitioner", 200), ("auditor", 200), ("colleague", 404), ("outsider", 404), ("other_manager", 404),
])
def test_nobody_else_sees_the_review_forms(client, request, submitted, manager, persona, status_code):
    client.force_login(request.getfixturevalue(persona))
    response = page_of(client, submitted)
    assert response.status_code == status_code
    assert REVIEW_HEADING not in html(response)
    assert review_forms(response, submitted.reference) == []


def test_a_manager_sees_no_review_forms_on_their_own_record(client, manager, make_record, justified_answers):
    own = make_record(by=manager, submit=True, **justified_answers)
    client.force_login(manager)
    response = page_of(client, own)
    assert response.status_code == 200
    assert review_forms(response, own.reference) == []


def test_a_manager_sees_no_review_forms_on_a_draft(client, manager, make_record, justified_answers):
    draft = make_record(**justified_answers)
    client.force_login(manager)
    assert review_forms(page_of(client, draft), draft.reference) == []


@pytest.mark.parametrize("action", REVIEW_ACTIONS)
@pytest.mark.parametrize(("persona", "status_code"), [
    ("practitioner", 302), ("auditor", 302), ("colleague", 404), ("outsider", 404), ("other_manager", 404),
])
def test_nobody_else_can_post_a_review(client, request, submitted, manager, action, persona, status_code):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(f"/records/{submitted.reference}/{action}/",
                           {"reviewer_involved": "no", "comment": "Looks fine"})
    assert response.status_code == status_code
    assert refreshed(submitted).status == Status.SUBMITTED
    assert list(submitted.transitions.values_list("action", flat=True)) == ["create", "submit"]
    if status_code == 302:
        page = client.get(response["Location"])
        assert SUCCESS_BANNER not in html(page)
        assert "cannot review your own record" in html(page) or "Only a manager" in html(page)


@pytest.mark.parametrize("action", REVIEW_ACTIONS)
def test_the_review_addresses_refuse_get(client, manager, submitted, action):
    client.force_login(manager)
    assert client.get(f"/records/{submitted.reference}/{action}/").status_code == 405


def test_sign_off_without_saying_whether_involved_shows_the_error_summary(client, manager, submitted):
    client.force_login(manager)
    response = client.post(f"/records/{submitted.reference}/sign-off/", {"comment": "All in order"})
    assert response.status_code == 200
    assert ERROR_SUMMARY in html(response)
    assert error_links(response) == ["#id_reviewer_involved_0"]
    assert "Select whether you are directly involved in this person&#x27;s case" in html(response)
    assert f"<title>Error: Record {submitted.reference} – Online search log</title>" in html(response)
    assert "All in order</textarea>" in html(response)
    assert refreshed(submitted).status == Status.SUBMITTED
    assert submitted.signed_off_at is None
    assert not submitted.transitions.filter(action=Transition.Action.SIGN_OFF).exists()


@pytest.mark.parametrize("comment", ["", "   "])
def test_return_without_a_comment_shows_the_error_summary_and_changes_nothing(client, manager, submitted, comment):
    before = SearchRecord.objects.values().get(pk=submitted.pk)
    client.force_login(manager)
    response = client.post(f"/records/{submitted.reference}/return/", {"comment": comment})
    assert response.status_code == 200
    assert ERROR_SUMMARY in html(response)
    assert "Enter what the practitioner needs to add or change" in html(response)
    assert SearchRecord.objects.values().get(pk=submitted.pk) == before
    assert submitted.transitions.count() == 2


def test_escalate_without_a_comment_shows_the_error_summary_and_changes_nothing(client, manager, submitted):
    client.force_login(manager)
    response = client.post(f"/records/{submitted.reference}/escalate/", {"comment": ""})
    assert response.status_code == 200
    assert ERROR_SUMMARY in html(response)
    assert "Enter your concern about this search" in html(response)
    assert refreshed(submitted).status == Status.SUBMITTED
    assert not Escalation.objects.exists()


def test_every_field_on_the_record_page_has_its_own_id(client, manager, submitted):
    client.force_login(manager)
    response = client.post(f"/records/{submitted.reference}/review/", {"decision": "return", "return_comment": ""})
    ids = re.findall(r'\bid="([^"]+)"', html(response))
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    # The error summary's link leads to the return's own comment box, revealed under its choice.
    assert error_links(response) == ["#id_return_comment"]
    body = html(response)
    revealed = body[body.index('id="conditional-return"') - 60:]
    assert 'class="govuk-radios__conditional" id="conditional-return"' in revealed
    assert 'id="id_return_comment"' in revealed[:revealed.index("</div>\n            \n")]


# --- Return, change, resubmit -------------------------------------------------------------------------------


def test_a_return_goes_back_to_the_practitioner_who_resubmits_a_second_revision(
    client, practitioner, manager, submitted, justified_answers,
):
    reference = submitted.reference
    client.force_login(manager)
    returned = client.post(f"/records/{reference}/return/", {"comment": "Say why consent was not enough."},
                           follow=True)
    assert returned.redirect_chain == [(f"/records/{reference}/", 302)]
    assert SUCCESS_BANNER in html(returned)
    assert f"Record {reference} returned to the practitioner." in html(returned)
    assert tags(html(returned))[0] == "Returned"
    assert review_forms(returned, reference) == []
    assert refreshed(submitted).status == Status.RETURNED

    client.force_login(practitioner)
    page = page_of(client, submitted)
    body = html(page)
    assert "Returned to you" in body
    assert "Say why consent was not enough." in body
    assert manager.display_name in body
    # The manager's comment is the first thing on the page, above the record's heading.
    assert body.index("Returned to you") < body.index(f"<h1 class=\"govuk-heading-l\">Record {reference}</h1>")
    assert "Change this record" in body

    changed = {**justified_answers, "purpose": "Check a report that the person had moved to Leeds."}
    saved = client.post(f"/records/{reference}/change/", form_data(
        searched_at=local(submitted.searched_at), **changed, **{"continue": ""}
    ))
    assert saved.status_code == 302
    assert saved["Location"] == f"/records/{reference}/check/"
    check = client.get(saved["Location"])
    assert "Submit record" in html(check)
    resubmitted = client.post(f"/records/{reference}/submit/", follow=True)
    assert SUCCESS_BANNER in html(resubmitted)
    assert "Returned to you" not in html(resubmitted)
    assert (refreshed(submitted).status, submitted.revision) == (Status.SUBMITTED, 2)

    client.force_login(manager)
    page = page_of(client, submitted)
    body = html(page)
    assert "What changed in revision 2" in body
    changes = body[body.index("What changed in revision 2"):body.index("</table>", body.index("What changed"))]
    rows = re.findall(r'<th scope="row" class="govuk-table__header">([^<]*)</th>', changes)
    assert rows == ["Why it was needed"], "the manager reads the practitioner's answers in the third person"
    assert "<del>Check a report that the person had moved.</del>" in changes
    assert "<ins>Check a report that the person had moved to Leeds.</ins>" in changes
    assert "Earlier revisions" in body
    assert "Revision 1, submitted" in body
    assert "Revision 2, submitted" not in body
    assert review_forms(page, reference) == list(REVIEW_ACTIONS)
    assert "Say why consent was not enough." in body  # in the history


def test_the_returned_banner_is_only_for_a_returned_record(client, practitioner, submitted):
    client.force_login(practitioner)
    assert "Returned to you" not in html(page_of(client, submitted))


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_only_the_practitioner_is_told_a_record_was_returned_to_them(client, request, manager, submitted, persona):
    client.force_login(manager)
    client.post(f"/records/{submitted.reference}/return/", {"comment": "Say why consent was not enough."})
    client.force_login(request.getfixturevalue(persona))
    page = page_of(client, submitted)
    assert page.status_code == 200
    assert "Say why consent was not enough." in html(page)  # in the history
    assert "Returned to you" not in html(page)


# --- Sign off -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("involved", "flagged"), [("yes", True), ("no", False)])
def test_sign_off_records_involvement_and_flags_an_involved_reviewer(client, manager, submitted, involved,
                                                                    flagged):
    client.force_login(manager)
    response = client.post(f"/records/{submitted.reference}/sign-off/",
                           {"reviewer_involved": involved, "comment": "Proportionate."}, follow=True)
    assert response.redirect_chain == [(f"/records/{submitted.reference}/", 302)]
    assert SUCCESS_BANNER in html(response)
    assert f"Record {submitted.reference} signed off." in html(response)
    status = Status.IG_REVIEW if flagged else Status.SIGNED_OFF
    assert (refreshed(submitted).status, submitted.reviewer_involved) == (status, flagged)
    page_tags = tags(html(response))
    assert page_tags[0] == ("Awaiting information governance" if flagged else f"Signed off by {manager.display_name}")
    assert ("Information governance will sign it off too." in html(response)) is flagged
    assert ("Reviewer involved" in page_tags) is flagged
    assert ("said they are involved in the case" in html(response)) is flagged
    assert review_forms(response, submitted.reference) == []


def test_a_record_cannot_be_signed_off_twice(client, manager, submitted):
    client.force_login(manager)
    client.post(f"/records/{submitted.reference}/sign-off/", {"reviewer_involved": "no"}, follow=True)
    again = client.post(f"/records/{submitted.reference}/return/", {"comment": "Wait"}, follow=True)
    assert "has already been reviewed" in html(again)
    assert SUCCESS_BANNER not in html(again)
    assert refreshed(submitted).status == Status.SIGNED_OFF


# --- Escalations --------------------------------------------------------------------------------------------


@pytest.fixture
def escalation(client, manager, submitted) -> Escalation:
    client.force_login(manager)
    response = client.post(f"/records/{submitted.reference}/escalate/",
                           {"comment": "Viewed a friends-only profile with a personal account."}, follow=True)
    assert f"Record {submitted.reference} escalated to information governance." in html(response)
    client.logout()
    return Escalation.objects.get()


def test_an_escalation_reaches_the_auditor_who_closes_it(client, auditor, submitted, escalation):
    assert refreshed(submitted).status == Status.ESCALATED
    client.force_login(auditor)
    inbox = client.get("/escalations/")
    assert inbox.status_code == 200
    assert nav_count(inbox, "Escalations") == "1"
    assert f'href="/escalations/{escalation.pk}/"' in html(inbox)
    assert submitted.reference in html(inbox)
    assert "Viewed a friends-only profile" in html(inbox)
    assert tags(html(inbox)) == ["Open"]

    detail = client.get(f"/escalations/{escalation.pk}/")
    assert detail.status_code == 200
    assert "Close this escalation" in html(detail)

    closed = client.post(f"/escalations/{escalation.pk}/",
                         {"outcome": "advice_given", "comment": "Advice on personal accounts given."}, follow=True)
    assert closed.redirect_chain == [("/escalations/", 302)]
    assert SUCCESS_BANNER in html(closed)
    assert f"Escalation of record {submitted.reference} closed." in html(closed)
    assert nav_count(closed, "Escalations") == "0"
    escalation.refresh_from_db()
    assert (escalation.outcome, escalation.closed_by, escalation.closing_comment) == (
        "advice_given", auditor, "Advice on personal accounts given.",
    )
    assert escalation.get_outcome_display() in tags(html(closed))
    assert "Close this escalation" not in html(client.get(f"/escalations/{escalation.pk}/"))
    record_page = html(page_of(client, submitted))
    assert "Advice on personal accounts given." in record_page


@pytest.mark.parametrize(("data", "links"), [
    ({"comment": ""}, ["#id_outcome_0", "#id_comment"]),  # what a browser sends with nothing chosen
    ({"outcome": "breach_referred"}, ["#id_comment"]),
    ({"comment": "Referred."}, ["#id_outcome_0"]),
    ({"outcome": "case_closed", "comment": "Referred."}, ["#id_outcome_0"]),
    ({"outcome": "no_concern", "comment": "   "}, ["#id_comment"]),
])
def test_closing_an_escalation_needs_an_outcome_and_a_comment(client, auditor, escalation, data, links):
    client.force_login(auditor)
    response = client.post(f"/escalations/{escalation.pk}/", data)
    assert response.status_code == 200
    assert ERROR_SUMMARY in html(response)
    assert error_links(response) == links
    escalation.refresh_from_db()
    assert escalation.is_open
    assert escalation.outcome == ""


@pytest.mark.parametrize("persona", ["manager", "practitioner", "colleague", "other_manager"])
def test_only_auditors_see_the_escalations(client, request, escalation, persona):
    client.force_login(request.getfixturevalue(persona))
    items = nav_items(client.get("/records/"))
    assert "My records" in items
    assert "Escalations" not in items
    assert client.get("/escalations/").status_code == 404
    assert client.get(f"/escalations/{escalation.pk}/").status_code == 404
    response = client.post(f"/escalations/{escalation.pk}/", {"outcome": "no_concern", "comment": "Fine."})
    assert response.status_code == 404
    escalation.refresh_from_db()
    assert escalation.is_open


def test_an_unknown_escalation_is_not_found(client, auditor):
    client.force_login(auditor)
    assert client.get("/escalations/999/").status_code == 404


# --- Addenda ------------------------------------------------------------------------------------------------


@pytest.fixture
def signed_off(client, manager, submitted) -> SearchRecord:
    client.force_login(manager)
    client.post(f"/records/{submitted.reference}/sign-off/", {"reviewer_involved": "no"})
    client.logout()
    assert refreshed(submitted).status == Status.SIGNED_OFF
    return submitted


@pytest.mark.parametrize("persona", ["practitioner", "manager"])
def test_the_practitioner_and_the_manager_add_addenda_after_sign_off(client, request, signed_off, persona):
    author = request.getfixturevalue(persona)
    client.force_login(author)
    page = page_of(client, signed_off)
    assert has_addendum_form(page, signed_off.reference)
    assert "No addenda yet." in html(page)
    response = client.post(f"/records/{signed_off.reference}/addenda/",
                           {"text": "The person later gave written consent."}, follow=True)
    assert response.redirect_chain == [(f"/records/{signed_off.reference}/", 302)]
    assert SUCCESS_BANNER in html(response)
    assert f"Addendum added to record {signed_off.reference}." in html(response)
    assert "The person later gave written consent." in html(response)
    assert list(signed_off.addenda.values_list("author", "text")) == [
        (author.pk, "The person later gave written consent."),
    ]
    assert refreshed(signed_off).status == Status.SIGNED_OFF


@pytest.mark.parametrize("text", ["", "  "])
def test_an_empty_addendum_is_refused(client, practitioner, signed_off, text):
    client.force_login(practitioner)
    response = client.post(f"/records/{signed_off.reference}/addenda/", {"text": text})
    assert response.status_code == 200
    assert ERROR_SUMMARY in html(response)
    assert error_links(response) == ["#id_text"]
    assert "Enter the addendum" in html(response)
    assert not signed_off.addenda.exists()


@pytest.mark.parametrize(("persona", "status_code"), [
    ("colleague", 404), ("outsider", 404), ("other_manager", 404), ("auditor", 302),
])
def test_nobody_else_adds_an_addendum(client, request, signed_off, persona, status_code):
    client.force_login(request.getfixturevalue(persona))
    if status_code == 302:  # the auditor reads the record but adds nothing to it
        assert not has_addendum_form(page_of(client, signed_off), signed_off.reference)
    response = client.post(f"/records/{signed_off.reference}/addenda/", {"text": "Not mine to add."})
    assert response.status_code == status_code
    assert not signed_off.addenda.exists()


def test_no_addendum_form_while_the_record_can_still_be_changed(client, practitioner, make_record,
                                                                justified_answers):
    draft = make_record(**justified_answers)
    client.force_login(practitioner)
    assert not has_addendum_form(page_of(client, draft), draft.reference)
    response = client.post(f"/records/{draft.reference}/addenda/", {"text": "Too early."}, follow=True)
    assert "change it instead of adding an addendum" in html(response)
    assert not draft.addenda.exists()


def test_the_queue_and_the_record_page_say_why_information_governance_must_sign_off(client, manager, auditor,
                                                                                   make_record, justified_answers):
    record = make_record(submit=True, **{**justified_answers, "interaction": "interacted",
                                         "account_used": "personal_account"})
    client.force_login(manager)
    page = html(page_of(client, record))
    assert "After your sign-off, information governance signs it off too, because of: Personal account or device, " \
           "Interaction." in page
    client.post(f"/records/{record.reference}/sign-off/", {"reviewer_involved": "no"})
    client.force_login(auditor)
    queue = html(client.get("/review/"))
    assert record.reference in queue
    assert "Because of: Personal account or device, Interaction." in queue
    page = page_of(client, record)
    assert "It needs information governance's sign-off too, because of: Personal account or device, Interaction." \
        in html(page)
    assert review_forms(page, record.reference) == list(REVIEW_ACTIONS)
    done = client.post(f"/records/{record.reference}/sign-off/", {"reviewer_involved": "no"}, follow=True)
    assert tags(html(done))[0] == f"Signed off by {manager.display_name} and {auditor.display_name} " \
                                  "(information governance)"


# --- One decision ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "status", "links"), [
    ({}, Status.SUBMITTED, ["#id_decision_0"]),
    ({"decision": "sign_off"}, Status.SUBMITTED, ["#id_reviewer_involved_0"]),
    ({"decision": "escalate", "return_comment": "not this box"}, Status.SUBMITTED, ["#id_escalate_comment"]),
    ({"decision": "sign_off", "reviewer_involved": "no", "return_comment": "ignored"}, Status.SIGNED_OFF, []),
    ({"decision": "return", "return_comment": "Say how consent was recorded."}, Status.RETURNED, []),
    ({"decision": "escalate", "escalate_comment": "Looks like a fishing trip."}, Status.ESCALATED, []),
])
def test_the_review_is_one_decision_with_its_own_comment(client, manager, submitted, data, status, links):
    client.force_login(manager)
    response = client.post(f"/records/{submitted.reference}/review/", data)
    assert error_links(response) == links if links else response.status_code == 302
    assert refreshed(submitted).status == status


@pytest.mark.parametrize("persona", ["practitioner", "colleague", "outsider", "other_manager"])
def test_nobody_else_can_send_a_review_decision(client, request, submitted, persona):
    client.force_login(request.getfixturevalue(persona))
    client.post(f"/records/{submitted.reference}/review/", {"decision": "sign_off", "reviewer_involved": "no"})
    assert refreshed(submitted).status == Status.SUBMITTED


def test_the_author_reads_their_answers_in_the_second_person_and_the_manager_in_the_third(
        client, practitioner, manager, submitted):
    client.force_login(practitioner)
    assert "Why you needed it" in html(page_of(client, submitted))
    client.force_login(manager)
    page = html(page_of(client, submitted))
    assert "Why it was needed" in page and "Why you needed it" not in page
