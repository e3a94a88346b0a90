"""Every main page of every role fits a 320 px phone: nothing scrolls sideways.

Needs the CSS built from `searchlog/assets/scss/app.scss` (`make`): the stacked tables live there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from searchlog import workflow
from tests.browser import chromium, heading
from tests.test_browser_review import sign_in

PHONE_WIDTH = 320

# Wider than a phone unless the page wraps it: a long unbroken reference, comment and answer.
LONG = "Averyverylongwordwithoutanyspacesthatwouldwidenatablecell" * 2

PAGES = {
    "alice": ["/", "/records/", "/approvals/", "/notifications/", "/privacy-check/"],
    "maria": ["/", "/review/", "/records/all/", "/decide/", "/notifications/", "/privacy-check/"],
    "aisha": ["/records/all/", "/review/", "/audit/", "/escalations/", "/breaches/", "/decide/", "/notifications/"],
}


@pytest.fixture
def phone() -> Iterator[webdriver.Chrome]:
    with chromium(PHONE_WIDTH, 800) as driver:
        yield driver


def overflow(driver: webdriver.Chrome) -> int:
    """How many CSS pixels the document is wider than the window."""
    return int(driver.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth;"
    ))


def widest(driver: webdriver.Chrome) -> list[str]:
    """The innermost elements that reach past the window's right edge, to say what to fix."""
    return list(driver.execute_script("""
        const out = [];
        for (const el of document.querySelectorAll("body *")) {
          if (el.getBoundingClientRect().right > window.innerWidth + 1
              && ![...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1)) {
            out.push(el.tagName.toLowerCase() + "." + [...el.classList].join(".") + " " + el.textContent.slice(0, 30));
          }
        }
        return out.slice(0, 5);
    """))


@pytest.mark.browser
@pytest.mark.parametrize("username", sorted(PAGES))
def test_no_page_is_wider_than_a_320px_phone(phone, live_server, transactional_db, practitioner, colleague, manager,
                                             auditor, make_record, justified_answers, username):
    make_record(subject_reference="LAS-" + "7" * 50)
    submitted = make_record(submit=True, **{**justified_answers, "purpose": LONG})
    make_record(by=colleague, submit=True, **justified_answers)
    workflow.record_escalate(record=submitted, actor=manager, comment=f"Concern: {LONG}")

    sign_in(phone, live_server.url, username, home={"aisha": "Records you can see"}.get(username, "My records"))
    too_wide = {}
    for path in [*PAGES[username], f"/records/{submitted.reference}/"]:
        phone.get(f"{live_server.url}{path}")
        heading(phone, "")
        if (extra := overflow(phone)) > 0:
            too_wide[path] = (extra, widest(phone))
    assert too_wide == {}, f"pages wider than {PHONE_WIDTH} px (by how many pixels): {too_wide}"
