"""Flag rules at their thresholds, and working days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from searchlog.flags import flagged_record, flags_for, overdue_before, with_flag, with_flags
from searchlog.models import SearchRecord
from searchlog.working_days import add_working_days, deadline_after
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def flags_of(record: SearchRecord, now: datetime | None = None) -> list[str]:
    return flags_for(with_flags(SearchRecord.objects.filter(pk=record.pk), now=now).get())


@pytest.mark.parametrize(
    ("fields", "flag"),
    [
        ({"is_emergency": True}, "emergency"),
        ({"consent_status": "refused"}, "no_consent"),
        ({"consent_status": "not_possible"}, "no_consent"),
        ({"account_used": "personal_account"}, "personal_account"),
        ({"account_used": "personal_device"}, "personal_account"),
        ({"interaction": "interacted"}, "interaction"),
        ({"content_visibility": "restricted"}, "restricted_content"),
        ({"content_visibility": "both"}, "restricted_content"),
        ({"reviewer_involved": True}, "reviewer_involved"),
    ],
)
def test_answer_flags(fields, flag):
    assert flag in flags_of(RecordFactory(**fields))


@pytest.mark.parametrize(
    "fields",
    [{"consent_status": "obtained_written"}, {"consent_status": ""}, {"account_used": "org_account_org_device"},
     {"interaction": "viewed_only"}, {"content_visibility": "public"}],
)
def test_unflagged_answers(fields):
    assert flags_of(RecordFactory(**fields)) == []


@pytest.mark.parametrize(("hours", "late"), [(47, False), (48, False), (49, True)])
def test_late_record_after_48_hours(hours, late):
    now = timezone.now()
    record = RecordFactory(created_at=now, searched_at=now - timedelta(hours=hours))
    assert ("late_record" in flags_of(record)) is late


@pytest.mark.parametrize(("searches", "flagged"), [(2, False), (3, True)])
def test_repeat_searching_at_three_in_thirty_days(practitioner, colleague, searches, flagged):
    now = timezone.now()
    authors = [practitioner, colleague, practitioner]
    records = [
        RecordFactory(practitioner=authors[i], subject_reference="LAS-9", searched_at=now - timedelta(days=10 - i))
        for i in range(searches)
    ]
    assert ("repeat_searching" in flags_of(records[-1])) is flagged


def test_repeat_searching_counts_only_the_window_and_the_team(practitioner, outsider):
    now = timezone.now()
    RecordFactory(practitioner=practitioner, subject_reference="LAS-9", searched_at=now - timedelta(days=32))
    RecordFactory(practitioner=outsider, subject_reference="LAS-9", searched_at=now - timedelta(days=2))
    RecordFactory(practitioner=practitioner, subject_reference="LAS-9", searched_at=now - timedelta(days=2))
    last = RecordFactory(practitioner=practitioner, subject_reference="LAS-9", searched_at=now - timedelta(days=1))
    assert "repeat_searching" not in flags_of(last)


def test_working_days_skip_weekends_and_bank_holidays():
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday -> Monday
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)  # Christmas, Boxing Day (substitute)
    assert add_working_days(date(2026, 11, 23), 5) == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("now", "overdue"),
    [
        (datetime(2026, 11, 30, 23, 59, tzinfo=LONDON), False),  # the fifth working day is not over yet
        (datetime(2026, 12, 1, 0, 1, tzinfo=LONDON), True),
    ],
)
def test_overdue_after_five_working_days(now, overdue):
    submitted = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)  # a Monday
    assert deadline_after(submitted, 5) == datetime(2026, 12, 1, 0, 0, tzinfo=LONDON)
    record = RecordFactory(status="submitted", is_justified=True, submitted_at=submitted,
                           created_at=submitted, searched_at=submitted - timedelta(hours=1))
    assert ("overdue" in flags_of(record, now=now)) is overdue


def test_overdue_counts_over_a_weekend_and_christmas():
    submitted = datetime(2026, 12, 23, 15, 0, tzinfo=LONDON)  # Wednesday before Christmas
    record = RecordFactory(status="submitted", is_justified=True, submitted_at=submitted,
                           created_at=submitted, searched_at=submitted - timedelta(hours=1))
    # 24, 29, 30, 31 Dec and 2 Jan are the five working days (25, 26/28 and 1 Jan are holidays).
    assert "overdue" not in flags_of(record, now=datetime(2027, 1, 4, 23, 0, tzinfo=LONDON))
    assert "overdue" in flags_of(record, now=datetime(2027, 1, 5, 0, 1, tzinfo=LONDON))


def test_only_a_waiting_record_is_overdue():
    long_ago = timezone.now() - timedelta(days=30)
    record = RecordFactory(status="signed_off", is_justified=True, submitted_at=long_ago, signed_off_at=long_ago,
                           created_at=long_ago, searched_at=long_ago - timedelta(hours=1))
    assert "overdue" not in flags_of(record)


def test_filter_by_flag():
    emergency = RecordFactory(is_emergency=True)
    RecordFactory()
    assert list(with_flag(with_flags(SearchRecord.objects.all()), "emergency")) == [emergency]
    with pytest.raises(ValueError):
        with_flag(with_flags(SearchRecord.objects.all()), "nonsense")


def test_flagged_record_reads_one_record_with_the_same_flags_in_one_query(django_assert_num_queries, practitioner):
    record = RecordFactory(is_emergency=True, consent_status="refused", practitioner=practitioner)
    with django_assert_num_queries(1):
        read = flagged_record(record.pk, related=("practitioner", "team"))
        assert read.practitioner.username == practitioner.username and read.team.name
    assert flags_for(read) == flags_of(record) == ["emergency", "no_consent", "consent_refused"]


def test_flagged_record_follows_the_clock_and_settings(settings):
    submitted = datetime(2026, 12, 23, 15, 0, tzinfo=LONDON)
    record = RecordFactory(status="submitted", is_justified=True, submitted_at=submitted,
                           created_at=submitted, searched_at=submitted - timedelta(hours=1))
    before, after = datetime(2027, 1, 4, 23, 0, tzinfo=LONDON), datetime(2027, 1, 5, 0, 1, tzinfo=LONDON)
    assert "overdue" not in flags_for(flagged_record(record.pk, now=before))
    assert "overdue" in flags_for(flagged_record(record.pk, now=after))
    late = RecordFactory(searched_at=timezone.now() - timedelta(hours=10))
    settings.SEARCHLOG_LATE_RECORD_HOURS = 5  # a changed setting is not answered from the query built before it
    assert "late_record" in flags_for(flagged_record(late.pk))
    assert flags_for(flagged_record(late.pk)) == flags_of(late)


def test_overdue_before_is_the_same_all_day():
    morning = overdue_before(datetime(2027, 3, 10, 0, 0, tzinfo=LONDON))
    assert overdue_before(datetime(2027, 3, 10, 23, 59, 59, tzinfo=LONDON)) == morning
    assert overdue_before(datetime(2027, 3, 11, 0, 0, tzinfo=LONDON)) > morning
