"""The issue's scenario in a real browser on a phone-sized screen: quick emergency record, complete, submit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from searchlog.models import SearchRecord, Status
from tests.browser import chromium, heading, press, tick, type_into, wait_for
from tests.conftest import PASSWORD


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    with chromium(412, 915) as driver:
        yield driver


@pytest.mark.browser
def test_quick_emergency_record_is_completed_and_submitted_on_a_phone(browser, live_server, transactional_db,
                                                                      practitioner):
    driver = browser
    driver.get(f"{live_server.url}/sign-in/")
    type_into(driver, "id_username", "alice")
    type_into(driver, "id_password", PASSWORD)
    press(driver, "Sign in")
    heading(driver, "My records")

    driver.get(f"{live_server.url}/records/quick/")
    heading(driver, "Quick emergency record")
    assert driver.find_element(By.ID, "id_searched_at").get_attribute("value"), "the time defaults to now"
    type_into(driver, "id_subject_reference", "LAS-424242")
    tick(driver, "id_platforms_1")  # Facebook
    tick(driver, "id_emergency_category_3")  # Missing person
    press(driver, "Save emergency record")
    heading(driver, "Record OS-")
    record = SearchRecord.objects.get()
    assert driver.find_element(By.TAG_NAME, "h1").text == f"Record {record.reference}"
    assert "Emergency record" in driver.find_element(By.CSS_SELECTOR, ".govuk-notification-banner--success").text

    press(driver, "Complete this record")
    heading(driver, "Complete this record")
    # The justification question waits for a consent answer that needs one.
    wait_for(driver, EC.invisibility_of_element_located((By.ID, "id_justification")))
    tick(driver, "id_subject_relationship_0")  # The person supported
    type_into(driver, "id_search_terms", "Their name and town; one public profile.")
    tick(driver, "id_content_visibility_0")  # Public content only
    type_into(driver, "id_purpose", "Find where the person might be after they went missing.")
    tick(driver, "id_consent_status_3")  # Not asked, because it was an emergency
    wait_for(driver, EC.visibility_of_element_located((By.ID, "id_justification")))
    type_into(driver, "id_justification", "They were missing overnight; a public post could show where they were.")
    type_into(driver, "id_alternatives_considered", "Phoned them and their family twice; nobody knew where they were.")
    type_into(driver, "id_collateral_intrusion", "Friends' comments were visible; not read or recorded.")
    tick(driver, "id_account_used_0")  # Organisation account on an organisation device
    tick(driver, "id_interaction_0")  # Only viewed
    tick(driver, "id_confidential_information_1")  # No
    tick(driver, "id_lawful_basis_2")  # Vital interests
    type_into(driver, "id_findings", "A public post from last night showed them in the town centre.")
    tick(driver, "id_actions_taken_1")  # Shared with safeguarding or the police
    press(driver, "Save and continue")

    heading(driver, "Check your answers")
    assert not driver.find_elements(By.CSS_SELECTOR, ".govuk-error-summary")
    press(driver, "Submit record")
    wait_for(driver, EC.presence_of_element_located((By.CSS_SELECTOR, ".govuk-notification-banner--success")))
    assert "submitted for review" in driver.find_element(By.CSS_SELECTOR, ".govuk-notification-banner--success").text

    driver.get(f"{live_server.url}/records/")
    heading(driver, "My records")
    row = wait_for(driver, EC.presence_of_element_located(
        (By.XPATH, f"//tr[.//a[normalize-space()='{record.reference}']]")
    ))
    row_tags = [tag.text for tag in row.find_elements(By.CSS_SELECTOR, ".govuk-tag")]
    assert row_tags[:1] == ["Justified — awaiting sign-off"]
    record.refresh_from_db()
    assert (record.status, record.is_justified, record.consent_status) == (
        Status.SUBMITTED, True, "not_sought_emergency",
    )
