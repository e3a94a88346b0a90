"""The admin shows everything, changes only people and teams, and deletes nothing of the record."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["user", "team", "searchrecord", "recordrevision", "addendum", "escalation", "notification",
         "privacycheck", "auditevent", "breach"]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True, team=None))
    return client


@pytest.mark.parametrize("model", PAGES)
def test_every_table_has_an_admin_page(admin_client, model):
    assert admin_client.get(f"/admin/searchlog/{model}/").status_code == 200


@pytest.mark.parametrize("model", ["searchrecord", "auditevent", "notification", "escalation", "breach"])
def test_records_and_their_history_cannot_be_added_here(admin_client, model):
    assert admin_client.get(f"/admin/searchlog/{model}/add/").status_code == 403


def test_a_record_cannot_be_deleted_here(admin_client, make_record):
    record = make_record()
    assert admin_client.post(f"/admin/searchlog/searchrecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    record.refresh_from_db()


def test_a_practitioner_cannot_use_the_admin(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/admin/searchlog/searchrecord/").status_code == 302


@pytest.fixture
def failed_and_sent(practitioner):
    from django.utils import timezone

    from searchlog.models import Notification

    now = timezone.now()
    failed = Notification.objects.create(recipient=practitioner, kind="privacy_check", due_at=now, created_at=now,
                                         email_status="failed", email_attempts=5, email_error="OSError: 550 no such")
    sent = Notification.objects.create(recipient=practitioner, kind="review_digest", due_at=now, created_at=now,
                                       email_status="sent", email_attempts=1, emailed_at=now)
    return failed, sent


def test_notifications_show_their_delivery_state_and_filter_by_it(admin_client, failed_and_sent):
    page = admin_client.get("/admin/searchlog/notification/?email_status__exact=failed").content.decode()
    assert "OSError: 550 no such" in page and "Could not be emailed" in page
    assert "Emailed</td>" not in page  # the sent one is filtered out
    assert "Retry sending the selected failed emails" in page


def test_retry_sending_makes_failed_emails_pending_again_and_is_audited(admin_client, failed_and_sent):
    from searchlog.models import AuditEvent

    failed, sent = failed_and_sent
    response = admin_client.post("/admin/searchlog/notification/",
                                 {"action": "retry_sending", "_selected_action": [failed.pk, sent.pk]})
    assert response.status_code == 302
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.email_status, failed.email_attempts) == ("pending", 0)
    assert (sent.email_status, sent.email_attempts) == ("sent", 1)  # only failed ones are retried
    event = AuditEvent.objects.get(action="admin.change", object_type="searchlog.notification")
    assert (event.object_id, event.actor_username) == (str(failed.pk), "root")


def test_staff_who_may_only_view_notifications_cannot_retry_them(client, failed_and_sent):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(username="helpdesk", is_staff=True, team=None)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)
    failed = failed_and_sent[0]
    page = client.get("/admin/searchlog/notification/")
    assert page.status_code == 200 and "OSError: 550 no such" in page.content.decode()
    assert "Retry sending" not in page.content.decode()
    client.post("/admin/searchlog/notification/", {"action": "retry_sending", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.email_status == "failed"
