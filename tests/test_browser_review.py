"""Manager review in a real browser: return with a comment, the practitioner resubmits, the manager signs off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from searchlog import mfa
from searchlog.models import SearchRecord, Status, User
from tests.browser import chromium, heading, press, tick, type_into, wait_for
from tests.conftest import PASSWORD

SUCCESS_BANNER = (By.CSS_SELECTOR, ".govuk-notification-banner--success")


@pytest.fixture
def desktop_browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium on a desktop-sized window, so the header shows its sign-out button."""
    with chromium(1280, 1000) as driver:
        yield driver


def sign_in(driver: webdriver.Chrome, base_url: str, username: str, home: str = "My records") -> None:
    """Password, then (for those who need one) the second factor: a fresh recovery code each time."""
    user = User.objects.get(username=username)
    codes = mfa.recovery_codes_replace(user) if mfa.second_factor_required(user) else []
    if codes:
        TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "Authenticator app"})
    driver.get(f"{base_url}/sign-in/")
    heading(driver, "Sign in")
    type_into(driver, "id_username", username)
    type_into(driver, "id_password", PASSWORD)
    press(driver, "Sign in")
    if codes:
        heading(driver, "Enter the code from your authenticator app")
        type_into(driver, "id_code", codes[0])
        press(driver, "Continue")
    heading(driver, home)


def sign_out(driver: webdriver.Chrome) -> None:
    wait_for(driver, EC.element_to_be_clickable(
        (By.XPATH, "//header//form//button[normalize-space()='Sign out']")
    )).click()
    heading(driver, "Sign in")


def open_from_the_review_queue(driver: webdriver.Chrome, reference: str) -> None:
    wait_for(driver, EC.element_to_be_clickable(
        (By.XPATH, "//nav//a[contains(normalize-space(), 'Review queue')]")
    )).click()
    heading(driver, "Review queue")
    wait_for(driver, EC.element_to_be_clickable((By.LINK_TEXT, reference))).click()
    heading(driver, f"Record {reference}")


def status_tag(driver: webdriver.Chrome) -> str:
    return driver.find_element(By.CSS_SELECTOR, "main h1 ~ p .govuk-tag").text


@pytest.mark.browser
def test_a_returned_record_is_changed_resubmitted_and_signed_off(desktop_browser, live_server, transactional_db,
                                                                 make_record, justified_answers, manager):
    driver = desktop_browser
    record = make_record(submit=True, **justified_answers)
    reference = record.reference

    sign_in(driver, live_server.url, "maria")
    open_from_the_review_queue(driver, reference)
    # One decision: choosing "return" reveals its own comment box.
    tick(driver, "id_decision_1")  # Return to the practitioner
    wait_for(driver, EC.visibility_of_element_located((By.ID, "id_return_comment")))
    assert not driver.find_element(By.ID, "id_escalate_comment").is_displayed()
    type_into(driver, "id_return_comment", "Say how the person's consent was recorded.")
    press(driver, "Send decision")
    assert "returned to the practitioner" in wait_for(driver, EC.visibility_of_element_located(SUCCESS_BANNER)).text
    assert status_tag(driver) == "Returned"
    sign_out(driver)

    sign_in(driver, live_server.url, "alice")
    wait_for(driver, EC.element_to_be_clickable((By.LINK_TEXT, reference))).click()
    heading(driver, f"Record {reference}")
    returned = driver.find_element(By.XPATH, "//main//div[contains(@class, 'govuk-notification-banner')]"
                                             "[.//h2[normalize-space()='Returned to you']]")
    assert "Say how the person's consent was recorded." in returned.text
    press(driver, "Change this record")
    heading(driver, "Change this record")
    type_into(driver, "id_consent_details", "Signed consent form, scanned to the case file on 3 March.")
    press(driver, "Save and continue")
    heading(driver, "Check your answers")
    assert not driver.find_elements(By.CSS_SELECTOR, ".govuk-error-summary")
    press(driver, "Submit record")
    assert "submitted for review" in wait_for(driver, EC.visibility_of_element_located(SUCCESS_BANNER)).text
    sign_out(driver)

    sign_in(driver, live_server.url, "maria")
    open_from_the_review_queue(driver, reference)
    changes = wait_for(driver, EC.presence_of_element_located(
        (By.XPATH, "//main//h2[normalize-space()='What changed in revision 2']/following-sibling::table[1]")
    ))
    assert "Consent details" in changes.text
    assert "scanned to the case file on 3 March" in changes.text
    tick(driver, "id_decision_0")  # Sign off
    tick(driver, "id_reviewer_involved_0")  # No
    press(driver, "Send decision")
    assert "signed off" in wait_for(driver, EC.visibility_of_element_located(SUCCESS_BANNER)).text
    heading(driver, f"Record {reference}")
    assert status_tag(driver) == f"Signed off by {manager.display_name}"
    assert not driver.find_elements(By.XPATH, "//main//h2[normalize-space()='Review this record']")

    record = SearchRecord.objects.get(pk=record.pk)
    assert (record.status, record.revision, record.reviewer_involved) == (Status.SIGNED_OFF, 2, False)


@pytest.mark.browser
def test_a_risky_record_is_signed_off_by_the_manager_then_by_information_governance(
        desktop_browser, live_server, transactional_db, make_record, justified_answers, manager, auditor):
    driver = desktop_browser
    record = make_record(submit=True, **{**justified_answers, "account_used": "personal_device"})
    reference = record.reference

    sign_in(driver, live_server.url, "maria")
    open_from_the_review_queue(driver, reference)
    assert "information governance signs it off too" in driver.find_element(By.ID, "ig-next").text
    tick(driver, "id_decision_0")  # Sign off
    tick(driver, "id_reviewer_involved_0")  # No
    press(driver, "Send decision")
    banner = wait_for(driver, EC.visibility_of_element_located(SUCCESS_BANNER)).text
    assert "Information governance will sign it off too" in banner
    assert status_tag(driver) == "Awaiting information governance"
    sign_out(driver)

    sign_in(driver, live_server.url, "aisha", home="Records you can see")
    open_from_the_review_queue(driver, reference)
    assert "Personal account or device" in driver.find_element(By.ID, "ig-review").text
    tick(driver, "id_decision_0")  # Sign off
    tick(driver, "id_reviewer_involved_0")  # No
    press(driver, "Send decision")
    assert "signed off" in wait_for(driver, EC.visibility_of_element_located(SUCCESS_BANNER)).text
    assert status_tag(driver) == (
        f"Signed off by {manager.display_name} and {auditor.display_name} (information governance)")
    record = SearchRecord.objects.get(pk=record.pk)
    assert (record.status, record.reviewed_by, record.ig_reviewed_by) == (Status.SIGNED_OFF, manager, auditor)
