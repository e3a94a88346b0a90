"""The privacy check page: platforms reset settings, the organisation's policy, and who in the team is overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from searchlog import selectors
from searchlog.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/privacy-check/"


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_says_platforms_can_reset_privacy_settings(client, practitioner):
    assert "reset your privacy settings" in page(client, practitioner)


def test_the_policy_link_shows_only_when_set(client, practitioner, settings):
    settings.SEARCHLOG_POLICY_URL = ""
    assert 'id="policy-link"' not in page(client, practitioner)
    settings.SEARCHLOG_POLICY_URL = "https://intranet.example.org/social-media-policy"
    html = page(client, practitioner)
    assert 'id="policy-link"' in html and 'href="https://intranet.example.org/social-media-policy"' in html


@pytest.fixture
def checks(practitioner, colleague, outsider, manager, other_manager):
    now = timezone.now()
    User.objects.filter(pk=practitioner.pk).update(privacy_checked_at=now - timedelta(days=91))
    User.objects.filter(pk=colleague.pk).update(privacy_checked_at=now - timedelta(days=10))
    User.objects.filter(pk__in=[outsider.pk, manager.pk, other_manager.pk]).update(privacy_checked_at=None)
    return UserFactory(username="gone", team=practitioner.team, is_active=False)


@pytest.mark.parametrize(("persona", "expected"), [
    ("manager", ["alice"]),                          # their team only, not themselves, not the up-to-date colleague
    ("other_manager", ["charlie"]),
    ("auditor", ["charlie", "david", "maria", "alice"]),  # everyone: never checked first
    ("practitioner", []),                            # the wrong role sees nobody
    ("outsider", []),
])
def test_overdue_checks_are_scoped_by_role(checks, request, persona, expected):
    user = request.getfixturevalue(persona)
    overdue = [u.username for u in selectors.privacy_checks_overdue_for(user)]
    assert sorted(overdue) == sorted(expected)
    if overdue:
        assert overdue[-1] == expected[-1]  # never checked first, then the oldest check


def test_a_manager_sees_their_team_overdue_on_the_page(client, checks, manager):
    html = page(client, manager)
    overdue = html.split('id="team-overdue"')[1]
    assert "alice" in overdue.lower() or User.objects.get(username="alice").display_name in overdue
    assert User.objects.get(username="charlie").display_name not in overdue


def test_a_practitioner_sees_no_team_list(client, checks, practitioner):
    assert 'id="team-overdue"' not in page(client, practitioner)
