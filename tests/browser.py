"""Helpers for browser tests: Debian's headless Chromium through Selenium, and steps a person takes."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 15


@contextmanager
def chromium(width: int, height: int) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium with its own profile, quit afterwards whatever happens."""
    with tempfile.TemporaryDirectory(prefix="searchlog-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            f"--window-size={width},{height}", f"--user-data-dir={profile}",
        ):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def wait_for(driver: webdriver.Chrome, condition):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, WAIT_SECONDS).until(condition)


def heading(driver: webdriver.Chrome, text: str) -> None:
    wait_for(driver, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), text))


def tick(driver: webdriver.Chrome, control_id: str) -> None:
    """Choose a GOV.UK radio or checkbox by its label, as a person taps it."""
    driver.find_element(By.CSS_SELECTOR, f"label[for='{control_id}']").click()
    wait_for(driver, EC.element_located_to_be_selected((By.ID, control_id)))


def type_into(driver: webdriver.Chrome, field_id: str, text: str) -> None:
    field = driver.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)


def press(driver: webdriver.Chrome, text: str) -> None:
    button = wait_for(driver, EC.element_to_be_clickable(
        (By.XPATH, f"//main//*[self::button or self::a][normalize-space()='{text}']")
    ))
    button.click()
