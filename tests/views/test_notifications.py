"""The notifications page: new until marked read (one, or all), each notice's record's current status, few queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from searchlog import workflow
from searchlog.models import Notification, NotificationKind, Status
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db
URL = "/notifications/"


def notices_for(user, count: int, **record_fields) -> list[Notification]:
    now = timezone.now()
    return [
        Notification.objects.create(
            recipient=user, kind=NotificationKind.RECORD_SUBMITTED, due_at=now - timedelta(minutes=i),
            created_at=now - timedelta(minutes=i), record=RecordFactory(**record_fields),
        )
        for i in range(count)
    ]


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_seeing_the_list_does_not_mark_the_notices_read(client, manager, practitioner):
    notices_for(manager, 2, practitioner=practitioner)
    html = page(client, manager)
    assert html.count(">New<") == 2
    assert html.count("Mark as read<span") == 2 and "Mark all as read" in html
    assert Notification.objects.filter(recipient=manager, read_at__isnull=True).count() == 2
    assert page(client, manager).count(">New<") == 2


def test_mark_one_read(client, manager, practitioner):
    first, second = notices_for(manager, 2, practitioner=practitioner)
    client.force_login(manager)
    response = client.post(f"/notifications/{first.pk}/read/", {"page": "2"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?page=2"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    html = client.get(URL).content.decode()
    assert html.count(">New<") == 1 and "Notification marked as read." in html
    assert f'action="/notifications/{first.pk}/read/"' not in html
    assert f'action="/notifications/{second.pk}/read/"' in html


def test_mark_all_read(client, manager, practitioner):
    notices_for(manager, 3, practitioner=practitioner)
    client.force_login(manager)
    response = client.post("/notifications/read/")
    assert response.status_code == 302 and response["Location"] == URL
    assert not Notification.objects.filter(recipient=manager, read_at__isnull=True).exists()
    html = client.get(URL).content.decode()
    assert "3 notifications marked as read." in html
    assert ">New<" not in html and "Mark all as read" not in html


def test_marking_reads_only_ones_own_notices(client, manager, other_manager, practitioner):
    (theirs,) = notices_for(other_manager, 1, practitioner=practitioner)
    client.force_login(manager)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post("/notifications/read/").status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_is_a_post(client, manager, practitioner):
    (notice,) = notices_for(manager, 1, practitioner=practitioner)
    client.force_login(manager)
    assert client.get(f"/notifications/{notice.pk}/read/").status_code == 405
    assert client.get("/notifications/read/").status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None


def test_signed_out_people_are_sent_to_sign_in(client, manager, practitioner):
    (notice,) = notices_for(manager, 1, practitioner=practitioner)
    response = client.post(f"/notifications/{notice.pk}/read/")
    assert response.status_code == 302 and "next=" in response["Location"]
    notice.refresh_from_db()
    assert notice.read_at is None


def test_each_notice_shows_its_records_current_status(client, make_record, manager, justified_answers):
    record = make_record(submit=True, **justified_answers)
    assert Notification.objects.filter(recipient=manager, record=record).exists()
    assert Status.SUBMITTED.label in page(client, manager).split(f"Record {record.reference} is now: ")[1][:300]
    workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    html = page(client, manager)
    assert Status.SIGNED_OFF.label in html.split(f"Record {record.reference} is now: ")[1][:300]


def test_queries_do_not_grow_with_notices(client, manager, practitioner):
    client.force_login(manager)
    client.get(URL)  # warm the session

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    notices_for(manager, 2, practitioner=practitioner)
    few = queries()
    notices_for(manager, 12, practitioner=practitioner)
    assert queries() == few
