"""Prior approval in a real browser: request → approve → record a search under it → submit → sign off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from searchlog.models import Approval, ApprovalStatus, SearchRecord, Status
from tests.browser import chromium, heading, press, tick, type_into, wait_for
from tests.test_browser_review import SUCCESS_BANNER, sign_in, sign_out, status_tag


@pytest.fixture
def desktop_browser() -> Iterator[webdriver.Chrome]:
    with chromium(1280, 1000) as driver:
        yield driver


def open_from_the_menu(driver: webdriver.Chrome, item: str) -> None:
    wait_for(driver, EC.element_to_be_clickable(
        (By.XPATH, f"//nav//a[contains(normalize-space(), '{item}')]"))).click()
    heading(driver, item)


@pytest.mark.browser
def test_a_planned_search_is_asked_approved_recorded_under_it_and_signed_off(
        desktop_browser, live_server, transactional_db, practitioner, manager):
    driver = desktop_browser
    sign_in(driver, live_server.url, "alice")
    open_from_the_menu(driver, "Requests")
    press(driver, "Ask for approval")
    heading(driver, "Ask for approval of a planned search")
    type_into(driver, "id_subject_reference", "LAS-424242")
    tick(driver, "id_subject_relationship_0")
    type_into(driver, "id_purpose", "Check whether a new associate is taking his money.")
    type_into(driver, "id_justification", "Two agencies reported money going missing this week; he will not say.")
    type_into(driver, "id_alternatives_considered", "Asked him and his sister; a visit is booked for next week.")
    type_into(driver, "id_collateral_intrusion", "Friends' posts may show; only his own profile page is viewed.")
    tick(driver, "id_platforms_1")  # Facebook
    tick(driver, "id_account_used_0")  # an organisation account on an organisation device
    tick(driver, "id_confidential_information_1")  # No
    press(driver, "Send request")
    heading(driver, "Request PA-")
    approval = Approval.objects.get()
    assert status_tag(driver) == "Waiting for a decision"
    sign_out(driver)

    sign_in(driver, live_server.url, "maria")
    open_from_the_menu(driver, "Decide")
    wait_for(driver, EC.element_to_be_clickable((By.LINK_TEXT, approval.label))).click()
    heading(driver, f"Request {approval.label}")
    type_into(driver, "id_conditions", "His public profile page only; no screenshots.")
    press(driver, "Approve")
    assert "approved" in wait_for(driver, EC.visibility_of_element_located(SUCCESS_BANNER)).text
    sign_out(driver)

    sign_in(driver, live_server.url, "alice")
    open_from_the_menu(driver, "Requests")
    wait_for(driver, EC.element_to_be_clickable((By.LINK_TEXT, approval.label))).click()
    heading(driver, f"Request {approval.label}")
    press(driver, "Record a search under this approval")
    heading(driver, "Record a search under an approval")
    assert wait_for(driver, EC.text_to_be_present_in_element((By.ID, "under-approval"), "no screenshots"))
    assert driver.find_element(By.ID, "id_subject_reference").get_attribute("value") == "LAS-424242"
    type_into(driver, "id_search_terms", "His public Facebook profile page.")
    tick(driver, "id_content_visibility_0")  # public
    tick(driver, "id_consent_status_4")  # not asked, for another reason
    tick(driver, "id_interaction_0")  # viewed only
    tick(driver, "id_lawful_basis_0")  # public task
    type_into(driver, "id_collateral_intrusion", "Two friends' comments were visible; not read or recorded.")
    type_into(driver, "id_findings", "Posts show the associate using his bank card; checked with the bank.")
    tick(driver, "id_actions_taken_1")  # shared with safeguarding
    press(driver, "Save and continue")
    heading(driver, "Check your answers")
    assert not driver.find_elements(By.CSS_SELECTOR, ".govuk-error-summary")
    press(driver, "Submit record")
    assert "submitted for review" in wait_for(driver, EC.visibility_of_element_located(SUCCESS_BANNER)).text
    record = SearchRecord.objects.get()
    assert record.approval_id == approval.pk
    sign_out(driver)

    sign_in(driver, live_server.url, "maria")
    open_from_the_menu(driver, "Review queue")
    wait_for(driver, EC.element_to_be_clickable((By.LINK_TEXT, record.reference))).click()
    heading(driver, f"Record {record.reference}")
    assert wait_for(driver, EC.text_to_be_present_in_element((By.ID, "approval"), f"Prior approval {approval.label}"))
    tick(driver, "id_decision_0")  # Sign off
    tick(driver, "id_reviewer_involved_0")  # No
    press(driver, "Send decision")
    assert "signed off" in wait_for(driver, EC.visibility_of_element_located(SUCCESS_BANNER)).text
    assert status_tag(driver) == f"Signed off by {manager.display_name}"
    record.refresh_from_db()
    approval.refresh_from_db()
    assert (record.status, approval.status) == (Status.SIGNED_OFF, ApprovalStatus.USED)
