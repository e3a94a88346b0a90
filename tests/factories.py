"""factory_boy factories for people, teams and records."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from searchlog.models import Role, SearchRecord, Status, Team, User, subject_key
from searchlog.working_days import deadline_after

JUSTIFIED_ANSWERS = {
    "subject_relationship": "person_supported",
    "platforms": ["facebook"],
    "search_terms": "Public profile found by name and town.",
    "content_visibility": "public",
    "purpose": "Check a report that the person had moved.",
    "consent_status": "obtained_written",
    "consent_given_by": "person",
    "consent_details": "Signed consent form on the case file.",
    "account_used": "org_account_org_device",
    "interaction": "viewed_only",
    "confidential_information": False,
    "lawful_basis": "public_task",
    "findings": "Nothing relevant found.",
    "actions_taken": ["case_file"],
}

# The three "why" answers a record without consent needs (each at least SEARCHLOG_MIN_ANSWER_LENGTH characters),
# for tests that change JUSTIFIED_ANSWERS to a search without consent.
WITHOUT_CONSENT = {
    "consent_given_by": "",
    "justification": "Reported missing overnight; a public post could show where they are.",
    "alternatives_considered": "Phoned the person and their family twice; nobody answered.",
    "collateral_intrusion": "Friends' comments were visible; not read or recorded.",
}


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.PRACTITIONER
    team = factory.SubFactory(TeamFactory)
    password = factory.django.Password("correct horse battery")


class RecordFactory(factory.django.DjangoModelFactory):
    """A record straight into the table (for lists and constraints); use workflow for behaviour."""

    class Meta:
        model = SearchRecord

    practitioner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda r: r.practitioner.team)
    reference = factory.Sequence(lambda n: f"OS-2026-{n + 1:06d}")
    status = Status.DRAFT
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda r: r.created_at)
    searched_at = factory.LazyAttribute(lambda r: r.created_at - timedelta(hours=1))
    subject_reference = factory.Sequence(lambda n: f"CASE-{n:05d}")
    subject_key = factory.LazyAttribute(lambda r: subject_key(r.subject_reference))
    late_after = factory.LazyAttribute(lambda r: deadline_after(r.searched_at, 1))


# A complete request for prior approval of a planned search (approvals.approval_request).
REQUEST_ANSWERS = {
    "subject_reference": "LAS-100200",
    "subject_relationship": "person_supported",
    "purpose": "Check whether the person is being exploited by a new associate.",
    "justification": "Reports from two agencies this week that money is being taken; he will not discuss it.",
    "alternatives_considered": "Asked him and his sister; a visit is planned but the risk needs checking first.",
    "collateral_intrusion": "Friends' posts may be seen; only his own profile page will be viewed.",
    "platforms": ["facebook"],
    "viewings": 1,
    "account_used": "org_account_org_device",
    "confidential_information": False,
    "needed_for_days": 7,
}
