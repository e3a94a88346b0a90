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
