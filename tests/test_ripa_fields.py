"""RIPA-style fields for inspection: who signed off, with their job title, on the page, in the exports and the pack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from searchlog import exports, workflow
from tests.test_exports import csv_of, pdf_text

pytestmark = pytest.mark.django_db
PROFILE = "https://www.facebook.com/example.profile"


@pytest.fixture
def reviewed(make_record, practitioner, manager, auditor, justified_answers):
    """A record with a risk flag, signed off by the manager and then by information governance."""
    manager.job_title = "Team manager, Adults North"
    manager.save()
    auditor.job_title = "Data protection lead"
    auditor.save()
    record = make_record(submit=True, **{**justified_answers, "interaction": "interacted", "profile_urls": [PROFILE]})
    workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    return workflow.record_sign_off(record=record, actor=auditor, reviewer_involved=False)


def test_the_record_page_names_the_reviewers_with_their_job_titles(client, reviewed, practitioner):
    client.force_login(practitioner)
    page = client.get(f"/records/{reviewed.reference}/").content.decode()
    reviewed_by = page.split('id="reviewed-by"')[1].split("</div>")[0]
    assert "Team manager, Adults North" in reviewed_by
    ig_reviewed_by = page.split('id="ig-reviewed-by"')[1].split("</div>")[0]
    assert "Data protection lead" in ig_reviewed_by


def test_csv_has_the_reviewers_their_job_titles_profiles_and_outcome(reviewed, auditor):
    header, row = csv_of(auditor)
    cells = dict(zip(header, row, strict=True))
    assert cells["Signed off by"] == "maria"
    assert cells["Signed off by (job title)"] == "Team manager, Adults North"
    assert cells["Signed off by information governance"] == "aisha"
    assert cells["Signed off by information governance (job title)"] == "Data protection lead"
    assert cells["Profiles or pages viewed"] == PROFILE
    assert cells["Outcome"] == ""


def test_xlsx_has_the_job_title_columns(reviewed, auditor):
    sheet = load_workbook(exports.searches_xlsx(user=auditor).file).active
    rows = list(sheet.iter_rows(min_row=exports.XLSX_HEADER_ROW, values_only=True))
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["Signed off by (job title)"] == "Team manager, Adults North"
    assert cells["Signed off by information governance (job title)"] == "Data protection lead"


def test_a_job_title_that_looks_like_a_formula_is_neutralised(reviewed, manager, auditor):
    manager.job_title = "=HYPERLINK(1)"
    manager.save()
    header, row = csv_of(auditor)
    assert dict(zip(header, row, strict=True))["Signed off by (job title)"] == "'=HYPERLINK(1)"


def test_the_supervision_pack_names_the_reviewers_with_job_titles_and_profiles(reviewed, manager):
    today = timezone.localdate()
    export = exports.supervision_pack(user=manager, practitioner="alice", date_from=today - timedelta(days=1),
                                      date_to=today)
    text = " ".join(pdf_text(export.file.read()).split())
    assert "Team manager, Adults North" in text and "Data protection lead" in text
    assert "www.facebook.com/example.profile" in text


def test_the_admin_edits_a_job_title(admin_client, manager):
    page = admin_client.get(f"/admin/searchlog/user/{manager.pk}/change/").content.decode()
    assert 'name="job_title"' in page
