"""The pages for recording searches: sign in, record, quick record, check and submit, lists and scope."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from searchlog.forms import DATETIME_FORMAT
from searchlog.models import SearchRecord, Status
from tests.conftest import PASSWORD
from tests.factories import WITHOUT_CONSENT, RecordFactory

pytestmark = pytest.mark.django_db

ERROR_SUMMARY = "There is a problem"
SUCCESS_BANNER = "govuk-notification-banner--success"
ANONYMOUS_PATHS = [
    "/",
    "/records/",
    "/records/all/",
    "/records/new/",
    "/records/quick/",
    "/records/{ref}/",
    "/records/{ref}/change/",
    "/records/{ref}/check/",
    "/records/{ref}/submit/",
]


def local(moment) -> str:
    """A time as the datetime-local input sends it (Europe/London)."""
    return timezone.localtime(moment).strftime(DATETIME_FORMAT)


def an_hour_ago() -> str:
    return local(timezone.now() - timedelta(hours=1))


def form_data(**answers) -> dict:
    """What the record form posts: every field, blanks included, as a browser sends them."""
    data = {
        "subject_reference": "LAS-100200", "subject_initials": "", "searched_at": an_hour_ago(),
        "platforms_other": "", "search_terms": "", "purpose": "", "consent_details": "", "justification": "",
        "collateral_intrusion": "", "special_category_condition": "", "findings": "", "actions_taken_details": "",
        "information_retained": "", "alternatives_considered": "", "profile_urls": "",
    }
    data.update(answers)
    if isinstance(data.get("confidential_information"), bool):
        # The page asks yes or no.
        data["confidential_information"] = "yes" if data["confidential_information"] else "no"
    return data


def emergency_answers(justified_answers: dict) -> dict:
    return {
        **justified_answers,
        **WITHOUT_CONSENT,
        "consent_status": "not_sought_emergency",
        "consent_details": "",
        "is_emergency": "on",
        "emergency_category": "missing_person",
        "justification": "The person was missing overnight and a public post could show where they were.",
        "lawful_basis": "vital_interests",
    }


def html(response) -> str:
    return response.content.decode()


def error_links(response) -> list[str]:
    """The fragments the GOV.UK error summary links to."""
    body = html(response)
    start = body.index("govuk-error-summary__list")
    summary = body[start:body.index("</ul>", start)]
    return re.findall(r'<a href="([^"]*)"', summary)


def input_value(response, field: str) -> str | None:
    match = re.search(rf'<input[^>]*\bid="id_{field}"[^>]*>', html(response))
    assert match, f"no input id_{field}"
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def checked_values(response, field: str) -> list[str]:
    tags = re.findall(rf'<input[^>]*\bname="{field}"[^>]*>', html(response))
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in tags if " checked" in tag]


def table_rows(response) -> list[str]:
    body = html(response)
    start = body.index('<tbody class="govuk-table__body">')
    return re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body[start:body.index("</tbody>", start)], re.S)


def references_listed(response) -> set[str]:
    return set(re.findall(r'href="/records/(OS-\d{4}-\d+)/"', html(response)))


def tags(fragment: str) -> list[str]:
    return [text.strip() for text in re.findall(r'<strong class="govuk-tag[^"]*">([^<]*)</strong>', fragment)]


def change_buttons(response, reference: str) -> list[str]:
    body = html(response)
    found = [text for text in ("Complete this record", "Change this record", "Check and submit") if text in body]
    if f'href="/records/{reference}/change/' in body:
        found.append("change link")
    return found


# --- Signing in -------------------------------------------------------------------------------------------


def test_sign_in_page_shows_the_form(client):
    response = client.get("/sign-in/")
    assert response.status_code == 200
    assert 'id="id_username"' in html(response)
    assert 'id="id_password"' in html(response)


def test_sign_in_with_a_wrong_password_shows_the_error_summary(client, practitioner):
    response = client.post("/sign-in/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert ERROR_SUMMARY in html(response)
    assert "Enter a correct username and password" in html(response)
    assert "_auth_user_id" not in client.session


def test_sign_in_without_answers_links_each_error_to_its_field(client, practitioner):
    response = client.post("/sign-in/", {"username": "", "password": ""})
    assert response.status_code == 200
    assert error_links(response) == ["#id_username", "#id_password"]


def test_sign_in_with_the_right_password_redirects_home(client, practitioner):
    response = client.post("/sign-in/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(practitioner.pk)
    assert client.get("/")["Location"] == "/records/"


def test_sign_in_returns_to_the_page_asked_for(client, practitioner):
    response = client.post("/sign-in/", {"username": "alice", "password": PASSWORD, "next": "/records/quick/"})
    assert response.status_code == 302
    assert response["Location"] == "/records/quick/"


def test_sign_in_does_not_redirect_to_another_site(client, practitioner):
    response = client.post("/sign-in/", {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("path", ANONYMOUS_PATHS)
def test_every_records_page_sends_an_anonymous_visitor_to_sign_in(client, make_record, path):
    path = path.format(ref=make_record().reference)
    for response in (client.get(path), client.post(path, {"subject_reference": "LAS-1"})):
        assert response.status_code == 302
        assert response["Location"].startswith(f"/sign-in/?next={path}")
    assert SearchRecord.objects.get().status == Status.DRAFT


# --- Record a search ----------------------------------------------------------------------------------------


def test_record_a_search_page_sets_the_time_to_now(client, practitioner):
    client.force_login(practitioner)
    response = client.get("/records/new/")
    assert response.status_code == 200
    assert input_value(response, "searched_at") == local(timezone.now())


def test_save_as_draft_creates_a_draft_and_shows_it(client, practitioner):
    client.force_login(practitioner)
    response = client.post("/records/new/", form_data(subject_reference="LAS-555", save_draft=""))
    record = SearchRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/records/{record.reference}/"
    assert (record.status, record.practitioner, record.subject_reference) == (Status.DRAFT, practitioner, "LAS-555")
    assert not record.is_justified
    page = client.get(response["Location"])
    assert SUCCESS_BANNER in html(page)
    assert f"Draft {record.reference} saved" in html(page)


def test_a_future_search_time_is_refused_and_what_was_typed_is_kept(client, practitioner):
    client.force_login(practitioner)
    future = local(timezone.now() + timedelta(days=1))
    response = client.post("/records/new/", form_data(
        subject_reference="LAS-777", searched_at=future, platforms=["facebook", "tiktok"],
        search_terms="Name and town", save_draft="",
    ))
    assert response.status_code == 200
    assert ERROR_SUMMARY in html(response)
    assert error_links(response) == ["#id_searched_at"]
    assert "When you searched must be in the past" in html(response)
    assert input_value(response, "subject_reference") == "LAS-777"
    assert input_value(response, "searched_at") == future
    assert checked_values(response, "platforms") == ["facebook", "tiktok"]
    assert "Name and town</textarea>" in html(response)
    assert SearchRecord.objects.count() == 0


def test_the_time_typed_is_read_as_london_time(client, practitioner):
    """In summer London is an hour ahead of UTC: 12:40 typed at 13:00 BST is in the past."""
    client.force_login(practitioner)
    with time_machine.travel("2026-07-01 12:00Z", tick=False):
        saved = client.post("/records/new/", form_data(searched_at="2026-07-01T12:40", save_draft=""))
        refused = client.post("/records/new/", form_data(searched_at="2026-07-01T13:20", save_draft=""))
        record = SearchRecord.objects.get()
        page = client.get(saved["Location"])
    assert record.searched_at == datetime(2026, 7, 1, 11, 40, tzinfo=UTC)
    assert "1 July 2026 at 12:40pm" in html(page)
    assert refused.status_code == 200
    assert error_links(refused) == ["#id_searched_at"]


@pytest.mark.parametrize(
    ("answers", "link"),
    [
        ({"platforms": ["myspace"]}, "#id_platforms_0"),
        ({"consent_status": "maybe"}, "#id_consent_status_0"),
        ({"searched_at": "yesterday-ish"}, "#id_searched_at"),
        ({"subject_reference": ""}, "#id_subject_reference"),
    ],
)
@pytest.mark.parametrize("button", ["save_draft", "continue"])
def test_an_answer_that_is_not_an_option_re_renders_the_form(client, practitioner, make_record, answers, link,
                                                             button):
    make_record()
    client.force_login(practitioner)
    data = form_data(subject_initials="JB", purpose="Check a report", **answers)
    response = client.post("/records/new/", {**data, button: ""})
    assert response.status_code == 200
    assert ERROR_SUMMARY in html(response)
    assert error_links(response) == [link]
    assert input_value(response, "subject_initials") == "JB"
    assert "Check a report</textarea>" in html(response)
    assert SearchRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "title"),
    [("/sign-in/", "Sign in"), ("/records/new/", "Record a search"), ("/records/quick/", "Quick emergency record")],
)
def test_a_page_with_errors_says_error_once_in_its_title(client, practitioner, path, title):
    if path != "/sign-in/":
        client.force_login(practitioner)
    response = client.post(path, {"save_draft": ""})
    assert ERROR_SUMMARY in html(response)
    assert f"<title>Error: {title} – Online search log</title>" in html(response)


def test_save_and_continue_lists_the_missing_answers_on_the_check_page(client, practitioner):
    client.force_login(practitioner)
    response = client.post("/records/new/", form_data(platforms=["facebook"], **{"continue": ""}))
    record = SearchRecord.objects.get()
    assert response["Location"] == f"/records/{record.reference}/check/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = html(page)
    assert "govuk-error-summary" in body
    assert "You need to answer 11 more questions before you can submit" in body
    assert f'href="/records/{record.reference}/change/#id_search_terms"' in body
    assert "Enter what you searched for or which pages you viewed" in body
    assert "Select the lawful basis for the search" in body
    assert "Select where you searched" not in body
    assert "Submit record" not in body


def test_a_complete_record_is_checked_then_submitted(client, practitioner, justified_answers):
    client.force_login(practitioner)
    response = client.post("/records/new/", form_data(**justified_answers, **{"continue": ""}))
    record = SearchRecord.objects.get()
    assert record.is_justified
    check = client.get(response["Location"])
    assert "govuk-error-summary" not in html(check)
    assert "Submit record" in html(check)
    assert "recorded this search fully and accurately" in html(check)

    submitted = client.post(f"/records/{record.reference}/submit/", follow=True)
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED
    assert submitted.redirect_chain == [(f"/records/{record.reference}/", 302)]
    assert SUCCESS_BANNER in html(submitted)
    assert f"Record {record.reference} submitted for review" in html(submitted)
    assert tags(html(submitted))[:1] == ["Justified — awaiting sign-off"]


def test_submitting_an_incomplete_record_goes_back_to_the_check_page(client, practitioner, make_record):
    record = make_record()
    client.force_login(practitioner)
    response = client.post(f"/records/{record.reference}/submit/")
    assert response["Location"] == f"/records/{record.reference}/check/"
    record.refresh_from_db()
    assert record.status == Status.DRAFT


def test_the_submit_address_refuses_get(client, practitioner, make_record, justified_answers):
    record = make_record(**justified_answers)
    client.force_login(practitioner)
    assert client.get(f"/records/{record.reference}/submit/").status_code == 405
    record.refresh_from_db()
    assert record.status == Status.DRAFT


# --- Quick emergency record ---------------------------------------------------------------------------------


def test_quick_record_page_asks_four_questions_with_the_time_set_to_now(client, practitioner):
    client.force_login(practitioner)
    response = client.get("/records/quick/")
    assert response.status_code == 200
    names = set(re.findall(r'<(?:input|textarea)[^>]*\bname="([a-z_]+)"', html(response)))
    assert names == {"csrfmiddlewaretoken", "subject_reference", "searched_at", "platforms", "emergency_category"}
    assert input_value(response, "searched_at") == local(timezone.now())


def test_quick_record_without_platforms_is_refused(client, practitioner):
    client.force_login(practitioner)
    response = client.post("/records/quick/", {
        "subject_reference": "LAS-900", "searched_at": an_hour_ago(), "emergency_category": "missing_person",
    })
    assert response.status_code == 200
    assert error_links(response) == ["#id_platforms_0"]
    assert "Select where you searched" in html(response)
    assert input_value(response, "subject_reference") == "LAS-900"
    assert checked_values(response, "emergency_category") == ["missing_person"]
    assert SearchRecord.objects.count() == 0


def test_quick_record_without_an_emergency_kind_is_refused(client, practitioner):
    client.force_login(practitioner)
    response = client.post("/records/quick/", {
        "subject_reference": "LAS-900", "searched_at": an_hour_ago(), "platforms": ["facebook"],
    })
    assert response.status_code == 200
    assert error_links(response) == ["#id_emergency_category_0"]
    assert SearchRecord.objects.count() == 0


def test_quick_record_is_saved_then_completed_and_submitted(client, practitioner, justified_answers):
    client.force_login(practitioner)
    searched_at = an_hour_ago()
    response = client.post("/records/quick/", {
        "subject_reference": "LAS-900", "searched_at": searched_at, "platforms": ["facebook", "instagram"],
        "emergency_category": "risk_to_life",
    })
    record = SearchRecord.objects.get()
    assert response["Location"] == f"/records/{record.reference}/"
    assert (record.is_quick_record, record.is_emergency, record.is_justified) == (True, True, False)
    assert record.platforms == ["facebook", "instagram"]
    assert local(record.searched_at) == searched_at

    page = client.get(response["Location"])
    assert SUCCESS_BANNER in html(page)
    assert f"Emergency record {record.reference} saved" in html(page)
    assert tags(html(page))[:2] == ["Draft", "11 answers missing"]
    assert f'href="/records/{record.reference}/change/"' in html(page)
    assert "Complete this record" in html(page)

    change = client.get(f"/records/{record.reference}/change/")
    assert "<h1 class=\"govuk-heading-l\">Complete this record</h1>" in html(change)
    assert input_value(change, "subject_reference") == "LAS-900"
    assert checked_values(change, "emergency_category") == ["risk_to_life"]
    assert checked_values(change, "platforms") == ["facebook", "instagram"]

    answers = {**emergency_answers(justified_answers), "emergency_category": "risk_to_life",
               "platforms": ["facebook", "instagram"]}
    saved = client.post(f"/records/{record.reference}/change/",
                        form_data(subject_reference="LAS-900", searched_at=searched_at, **answers, **{"continue": ""}))
    assert saved["Location"] == f"/records/{record.reference}/check/"
    record.refresh_from_db()
    assert record.is_justified
    assert (record.consent_status, record.emergency_category) == ("not_sought_emergency", "risk_to_life")
    assert "Submit record" in html(client.get(saved["Location"]))

    client.post(f"/records/{record.reference}/submit/")
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED
    assert list(record.transitions.values_list("action", flat=True)) == ["create", "submit"]


# --- My records ---------------------------------------------------------------------------------------------


def test_my_records_lists_only_my_own_records(client, practitioner, colleague, outsider, make_record):
    mine = {make_record().reference, make_record().reference}
    make_record(by=colleague)
    make_record(by=outsider)
    client.force_login(practitioner)
    response = client.get("/records/")
    assert response.status_code == 200
    assert references_listed(response) == mine
    assert "2 records." in html(response)


def test_my_records_filters_by_status(client, practitioner, make_record, justified_answers):
    draft = make_record()
    submitted = make_record(submit=True, **justified_answers)
    client.force_login(practitioner)
    assert references_listed(client.get("/records/?status=submitted")) == {submitted.reference}
    assert references_listed(client.get("/records/?status=draft")) == {draft.reference}
    assert references_listed(client.get("/records/?status=")) == {draft.reference, submitted.reference}
    assert references_listed(client.get("/records/?status=signed_off")) == set()
    assert "There are no records to show." in html(client.get("/records/?status=signed_off"))


def test_my_records_shows_status_and_justified_tags(client, practitioner, make_record, justified_answers):
    draft = make_record()
    submitted = make_record(submit=True, **justified_answers)
    client.force_login(practitioner)
    rows = table_rows(client.get("/records/"))
    by_reference = {re.search(r"OS-\d{4}-\d+", row).group(0): tags(row) for row in rows}
    assert by_reference == {
        draft.reference: ["Draft", "12 answers missing"], submitted.reference: ["Justified — awaiting sign-off"],
    }


def test_my_records_shows_twenty_records_a_page(client, practitioner):
    RecordFactory.create_batch(25, practitioner=practitioner)
    client.force_login(practitioner)
    first = client.get("/records/")
    assert len(table_rows(first)) == 20
    assert "Page 1 of 2" in html(first)
    assert 'href="?page=2"' in html(first)
    second = client.get("/records/?page=2")
    assert len(table_rows(second)) == 5
    assert references_listed(first).isdisjoint(references_listed(second))
    assert len(references_listed(first) | references_listed(second)) == 25


def test_page_number_is_dark_text_not_the_current_page_link_marker(client, practitioner):
    """GOV.UK's current-page marker is blue behind a white link; our plain text on it was black on blue (3.2:1)."""
    RecordFactory.create_batch(21, practitioner=practitioner)
    client.force_login(practitioner)
    page = html(client.get("/records/"))
    assert "govuk-pagination__item--current" not in page
    assert '<span class="app-pagination__status" aria-current="page">Page 1 of 2</span>' in page


def test_record_tables_stack_on_a_phone_with_a_label_on_every_cell(client, manager, make_record, justified_answers):
    make_record(submit=True, **justified_answers)
    client.force_login(manager)
    for path in ("/records/all/", "/review/"):
        page = html(client.get(path))
        assert 'class="govuk-table app-table--stack"' in page
        assert '<td class="govuk-table__cell' not in page, f"a cell without a data-label on {path}"


def test_my_records_pages_keep_the_status_filter(client, practitioner):
    RecordFactory.create_batch(21, practitioner=practitioner, status=Status.RETURNED, is_justified=True)
    RecordFactory.create_batch(3, practitioner=practitioner)
    client.force_login(practitioner)
    first = client.get("/records/?status=returned")
    assert "21 records." in html(first)
    assert 'href="?status=returned&amp;page=2"' in html(first)
    assert len(table_rows(client.get("/records/?status=returned&page=2"))) == 1


def test_my_records_makes_as_many_queries_for_fifty_records_as_for_five(client, practitioner):
    client.force_login(practitioner)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/records/").status_code == 200
        return len(queries)

    RecordFactory.create_batch(5, practitioner=practitioner)
    few = queries_for_list()
    RecordFactory.create_batch(45, practitioner=practitioner, status=Status.SUBMITTED, is_justified=True)
    assert queries_for_list() == few


# --- The record page and who may see or change it ------------------------------------------------------------


def test_the_owner_sees_their_record_with_change_buttons(client, practitioner, make_record):
    record = make_record(subject_reference="LAS-321")
    client.force_login(practitioner)
    response = client.get(f"/records/{record.reference}/")
    assert response.status_code == 200
    assert f"Record {record.reference}" in html(response)
    assert "LAS-321" in html(response)
    assert change_buttons(response, record.reference) == ["Complete this record", "change link"]


def test_the_owner_of_a_complete_draft_can_change_or_check_it(client, practitioner, make_record, justified_answers):
    record = make_record(**justified_answers)
    client.force_login(practitioner)
    response = client.get(f"/records/{record.reference}/")
    assert change_buttons(response, record.reference) == ["Change this record", "Check and submit", "change link"]


@pytest.mark.parametrize("persona", ["colleague", "outsider", "other_manager"])
def test_a_record_is_not_found_for_people_outside_its_scope(client, make_record, request, persona):
    record = make_record()
    client.force_login(request.getfixturevalue(persona))
    for path in ("/records/{ref}/", "/records/{ref}/change/", "/records/{ref}/check/"):
        assert client.get(path.format(ref=record.reference)).status_code == 404


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_reviewers_read_a_record_without_change_buttons(client, make_record, justified_answers, request, persona):
    record = make_record(**justified_answers)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(f"/records/{record.reference}/")
    assert response.status_code == 200
    assert f"Record {record.reference}" in html(response)
    assert change_buttons(response, record.reference) == []
    assert f"/records/{record.reference}/check/" not in html(response)


@pytest.mark.parametrize("persona", ["colleague", "outsider", "manager", "auditor"])
def test_only_the_owner_may_change_or_submit_a_record(client, make_record, justified_answers, request, persona):
    record = make_record(**justified_answers)
    before = SearchRecord.objects.values().get(pk=record.pk)
    client.force_login(request.getfixturevalue(persona))
    change = client.post(f"/records/{record.reference}/change/",
                         form_data(**justified_answers, subject_reference="LAS-HACKED", save_draft=""))
    submit = client.post(f"/records/{record.reference}/submit/")
    assert (change.status_code, submit.status_code) == (404, 404)
    assert SearchRecord.objects.values().get(pk=record.pk) == before
    assert record.transitions.count() == 1


def test_an_unknown_reference_is_not_found(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/records/OS-2026-999999/").status_code == 404


def test_a_submitted_record_cannot_be_changed_from_its_change_page(client, practitioner, make_record,
                                                                   justified_answers):
    record = make_record(submit=True, **justified_answers)
    before = SearchRecord.objects.values().get(pk=record.pk)
    client.force_login(practitioner)
    detail = f"/records/{record.reference}/"
    assert client.get(f"{detail}change/")["Location"] == detail
    response = client.post(f"{detail}change/", form_data(**justified_answers, subject_reference="LAS-NEW",
                                                         save_draft=""))
    assert response.status_code == 302
    assert response["Location"] == detail
    assert SearchRecord.objects.values().get(pk=record.pk) == before
    page = client.get(detail)
    assert "can no longer be changed" in html(page)
    assert change_buttons(page, record.reference) == []
    assert client.get(f"{detail}check/")["Location"] == detail


def test_a_submitted_record_cannot_be_submitted_again(client, practitioner, make_record, justified_answers):
    record = make_record(submit=True, **justified_answers)
    client.force_login(practitioner)
    response = client.post(f"/records/{record.reference}/submit/", follow=True)
    assert response.redirect_chain == [(f"/records/{record.reference}/", 302)]
    assert SUCCESS_BANNER not in html(response)
    assert record.transitions.filter(action="submit").count() == 1


# --- The justification rule, version 2, on the pages ----------------------------------------------------------


def test_the_form_asks_the_new_questions_and_reveals_them_when_they_apply(client, practitioner):
    client.force_login(practitioner)
    body = html(client.get("/records/new/"))
    for field in ("subject_relationship_0", "profile_urls", "consent_given_by_0", "alternatives_considered",
                  "confidential_information_0"):
        assert f'id="id_{field}"' in body
    assert 'data-show-if-name="consent_status" data-show-if-values="obtained_written obtained_verbal"' in body
    assert "What a complete, justified record needs" in body
    assert "at least a sentence (25 characters or more)" in body


def test_the_check_page_names_each_rule_that_is_not_met(client, practitioner, justified_answers):
    client.force_login(practitioner)
    answers = {**justified_answers, "consent_status": "refused", "consent_given_by": "", "justification": "needed",
               "lawful_basis": "consent", "profile_urls": "https://www.facebook.com/example"}
    saved = client.post("/records/new/", form_data(**answers, **{"continue": ""}))
    record = SearchRecord.objects.get()
    assert record.profile_urls == ["https://www.facebook.com/example"]
    body = html(client.get(saved["Location"]))
    assert "Say more about why the search was necessary without consent: write at least 25 characters" in body
    assert f'href="/records/{record.reference}/change/#id_alternatives_considered"' in body
    assert "Select a lawful basis other than consent, because the person did not consent" in body
    assert "The person refused consent: searching anyway needs an emergency" in body
    assert "Submit record" not in body


def test_a_bad_profile_address_is_shown_on_the_form(client, practitioner):
    client.force_login(practitioner)
    response = client.post("/records/new/", form_data(profile_urls="facebook.com/x\nhttps://ok.org",
                                                      save_draft=""))
    assert response.status_code == 200
    assert error_links(response) == ["#id_profile_urls"]
    assert "facebook.com/x\nhttps://ok.org</textarea>" in html(response)


def test_the_check_page_shows_the_new_answers(client, practitioner, make_record, justified_answers):
    record = make_record(**justified_answers, profile_urls=["https://www.facebook.com/example"])
    client.force_login(practitioner)
    body = html(client.get(f"/records/{record.reference}/check/"))
    for label, value in [("Whose information", "The person supported"), ("Consent given by", "The person themselves"),
                         ("Confidential information likely", "No"), ("What you found", "Nothing relevant found."),
                         ("Profiles or pages viewed", "https://www.facebook.com/example")]:
        assert re.search(rf">{re.escape(label)}</dt>\s*<dd[^>]*>{re.escape(value)}", body), label
