"""Absolute rules held by the database itself, hit directly (not through the workflow)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from searchlog.models import Transition
from tests.factories import RecordFactory


def assert_refused(**fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordFactory(**fields)


@pytest.mark.django_db
def test_a_valid_row_is_accepted():
    record = RecordFactory(consent_status="refused", platforms=["facebook"])
    assert record.pk


@pytest.mark.django_db
def test_searched_at_may_not_be_after_created_at():
    now = timezone.now()
    assert_refused(created_at=now, searched_at=now + timedelta(seconds=1))


@pytest.mark.django_db
@pytest.mark.parametrize("subject", ["", "   "])
def test_subject_reference_may_not_be_blank(subject):
    assert_refused(subject_reference=subject)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field", ["consent_status", "content_visibility", "emergency_category", "account_used", "interaction",
              "lawful_basis", "status"],
)
def test_choices_are_checked_by_the_database(field):
    assert_refused(**{field: "made_up"})


@pytest.mark.django_db
def test_reference_must_have_the_published_shape():
    assert_refused(reference="123")


@pytest.mark.django_db
def test_reference_is_unique():
    RecordFactory(reference="OS-2026-000001")
    assert_refused(reference="OS-2026-000001")


@pytest.mark.django_db
def test_a_submitted_record_must_be_justified():
    assert_refused(status="submitted", is_justified=False, submitted_at=timezone.now())


@pytest.mark.django_db
def test_a_draft_has_no_submission_time():
    assert_refused(status="draft", submitted_at=timezone.now())


@pytest.mark.django_db
def test_return_needs_a_comment(practitioner):
    record = RecordFactory(practitioner=practitioner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transition.objects.create(
            record=record, action="return", from_status="submitted", to_status="returned",
            actor=practitioner, at=timezone.now(), comment="",
        )
