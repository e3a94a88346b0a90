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


@pytest.mark.parametrize(
    ("searched", "recorded", "late"),
    [
        # Monday's search: recorded by the end of Tuesday is on time.
        (datetime(2026, 11, 2, 10, 0), datetime(2026, 11, 3, 23, 59), False),
        (datetime(2026, 11, 2, 10, 0), datetime(2026, 11, 4, 0, 1), True),
        # Friday's search: the next working day is Monday, whatever the clock hours (more than 48).
        (datetime(2026, 11, 6, 16, 0), datetime(2026, 11, 9, 23, 0), False),
        (datetime(2026, 11, 6, 16, 0), datetime(2026, 11, 10, 0, 1), True),
        # Christmas Eve's search: Christmas, Boxing Day (substitute Monday 28th) and the weekend do not count.
        (datetime(2026, 12, 24, 12, 0), datetime(2026, 12, 29, 20, 0), False),
        (datetime(2026, 12, 24, 12, 0), datetime(2026, 12, 30, 0, 1), True),
        # A working day's search, recorded 47.5 clock hours later but after the next working day ended.
        (datetime(2026, 11, 3, 1, 0), datetime(2026, 11, 5, 0, 30), True),
    ],
)
def test_late_record_is_after_the_end_of_the_next_working_day(searched, recorded, late):
    record = RecordFactory(created_at=recorded.replace(tzinfo=LONDON), searched_at=searched.replace(tzinfo=LONDON))
    assert ("late_record" in flags_of(record)) is late


def test_workflow_keeps_the_late_record_deadline(make_record):
    searched = datetime(2026, 11, 6, 16, 0, tzinfo=LONDON)  # a Friday
    record = make_record(searched_at=searched)
    assert record.late_after == datetime(2026, 11, 10, 0, 0, tzinfo=LONDON)


@pytest.mark.parametrize(("searches", "flagged"), [(1, False), (2, True)])
def test_a_second_search_in_thirty_days_is_repeat_searching(practitioner, colleague, searches, flagged):
    now = timezone.now()
    authors, spellings = [practitioner, colleague], ["LAS-9", "las-9 "]
    records = [
        RecordFactory(practitioner=authors[i], subject_reference=spellings[i], searched_at=now - timedelta(days=10 - i))
        for i in range(searches)
    ]
    assert ("repeat_searching" in flags_of(records[-1])) is flagged


@pytest.mark.parametrize(("days", "flagged"), [(30, True), (30.01, False)])
def test_repeat_searching_window_is_thirty_days(practitioner, days, flagged):
    now = timezone.now()
    RecordFactory(practitioner=practitioner, subject_reference="LAS-9", searched_at=now - timedelta(days=days + 1))
    last = RecordFactory(practitioner=practitioner, subject_reference="LAS-9", searched_at=now - timedelta(days=1))
    assert ("repeat_searching" in flags_of(last)) is flagged


def test_repeat_searching_counts_only_the_window_and_the_team(practitioner, outsider):
    now = timezone.now()
    RecordFactory(practitioner=practitioner, subject_reference="LAS-9", searched_at=now - timedelta(days=32))
    RecordFactory(practitioner=outsider, subject_reference="LAS-9", searched_at=now - timedelta(days=2))
    last = RecordFactory(practitioner=practitioner, subject_reference="LAS-9", searched_at=now - timedelta(days=1))
    assert "repeat_searching" not in flags_of(last)


def test_information_governance_counts_repeat_searching_across_teams(practitioner, outsider, manager, auditor):
    from searchlog.flags import flags_for, with_flags_for
    from searchlog.models import SearchRecord

    now = timezone.now()
    RecordFactory(practitioner=outsider, subject_reference="las-9 ", searched_at=now - timedelta(days=2))
    last = RecordFactory(practitioner=practitioner, subject_reference="LAS-9", searched_at=now - timedelta(days=1))
    RecordFactory(practitioner=outsider, subject_reference="LAS 9", searched_at=now - timedelta(days=3))
    seen_by = {user.username: with_flags_for(user, SearchRecord.objects.filter(pk=last.pk)).get()
               for user in (manager, auditor)}
    assert "repeat_searching" not in flags_for(seen_by["maria"])
    assert seen_by["maria"].subject_search_count == 1
    assert "repeat_searching" in flags_for(seen_by["aisha"])
    # "LAS 9" is "las9", not "las-9": only case and spaces are ignored, not punctuation.
    assert seen_by["aisha"].subject_search_count == 2


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
    single = RecordFactory(searched_at=timezone.now() - timedelta(hours=10))
    assert "repeat_searching" not in flags_for(flagged_record(single.pk))
    settings.SEARCHLOG_REPEAT_SEARCH_COUNT = 1  # a changed setting is not answered from the query built before it
    assert "repeat_searching" in flags_for(flagged_record(single.pk))
    assert flags_for(flagged_record(single.pk)) == flags_of(single)


def test_overdue_before_is_the_same_all_day():
    morning = overdue_before(datetime(2027, 3, 10, 0, 0, tzinfo=LONDON))
    assert overdue_before(datetime(2027, 3, 10, 23, 59, 59, tzinfo=LONDON)) == morning
    assert overdue_before(datetime(2027, 3, 11, 0, 0, tzinfo=LONDON)) > morning
