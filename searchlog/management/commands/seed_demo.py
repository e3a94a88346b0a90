"""Create (idempotently) a demo organisation: two teams, six people, about 40 records and a request for prior
approval in every state."""

from __future__ import annotations

import os
import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from searchlog import approvals, clock, workflow
from searchlog.models import Approval, Role, SearchRecord, Team, User

TEAMS = ["Adults North", "Children East"]
PEOPLE = [
    # username, first name, last name, role, member of, manages
    ("practitioner", "Priya", "Shah", Role.PRACTITIONER, "Adults North", None),
    ("practitioner2", "Tom", "Okafor", Role.PRACTITIONER, "Adults North", None),
    ("practitioner3", "Grace", "Lewis", Role.PRACTITIONER, "Children East", None),
    ("manager", "Maria", "Kowalski", Role.MANAGER, "Adults North", "Adults North"),
    ("manager2", "David", "Evans", Role.MANAGER, "Children East", "Children East"),
    ("auditor", "Aisha", "Begum", Role.AUDITOR, None, None),
]
JOB_TITLES = {
    "practitioner": "Social worker",
    "practitioner2": "Senior practitioner",
    "practitioner3": "Family support worker",
    "manager": "Team manager, Adults North",
    "manager2": "Team manager, Children East",
    "auditor": "Information governance officer",
}
RECORDS_WANTED = 40
# One person searched three times, the reference typed three ways (matched without case or spaces): Priya 12 days
# ago, Grace in Children East 9 days ago, Priya again 3 days ago (repeat searching; her manager returns it).
# Every other record is about a different person, so repeat searching means what it says.
REPEATED = {8: ("LAS-200451", 12), 18: ("las-200451 ", 9), 28: (" Las-200451", 3)}
# Which submitted records are escalated, and how information governance closes each ("" stays open).
ESCALATED = {2: "breach_referred", 13: "no_concern", 23: "advice_given", 37: ""}
# Records whose answers differ from the usual story (a personal phone: honesty first, and a risk flag).
VARIANTS = {
    33: {"account_used": "personal_device",
         "information_retained": "Nothing kept on the phone; a short note on the case file."},
}
# Records that went on to information governance after the manager's sign-off, and that they signed off.
IG_SIGNED = (12,)
CLOSING_COMMENTS = {
    "breach_referred": "The friends-only content was seen without authority: referred to the DPO as a possible breach.",
    "no_concern": "The content was public after all; the search was proportionate.",
    "advice_given": "Proportionate, but advised to record the profile address and to ask for approval next time.",
}

COMPLETE = {
    "subject_relationship": "person_supported",
    "platforms": ["facebook"],
    "search_terms": "Public Facebook profile found by searching the person's name and town.",
    "content_visibility": "public",
    "purpose": "To check a report that the person had moved out of their supported accommodation.",
    "consent_status": "obtained_verbal",
    "consent_given_by": "person",
    "consent_details": "Asked on the phone during a planned review call; agreed to a one-off check.",
    "account_used": "org_account_org_device",
    "interaction": "viewed_only",
    "confidential_information": False,
    "lawful_basis": "public_task",
    "collateral_intrusion": "Friends' comments were visible; not read or recorded.",
    "findings": "Posts confirm the person is still living at the accommodation. Checked with the warden.",
    "actions_taken": ["case_file"],
    "information_retained": "None. A short note on the case file.",
}
EMERGENCY = {
    **COMPLETE,
    "platforms": ["search_engine", "x_twitter"],
    "consent_status": "not_sought_emergency",
    "consent_given_by": "",
    "consent_details": "Not asked: the person was missing overnight and could not be contacted.",
    "is_emergency": True,
    "emergency_category": "missing_person",
    "justification": "Reported missing overnight with a risk of self-harm; police asked for any recent posts.",
    "alternatives_considered": "Phoned the person, their sister and their GP first; nobody knew where they were, "
    "and waiting longer would have put them at risk.",
    "lawful_basis": "vital_interests",
    "findings": "A public post from last night showed them in the town centre; the police found them safe.",
    "actions_taken": ["shared_safeguarding"],
    "information_retained": "One screenshot of the post, saved to the case file and shared with the police.",
}


class Command(BaseCommand):
    help = "Create the demo teams, users and sample records (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: this looks like production. Use --force to create demo data anyway.")
        password = os.environ.get("DEMO_PASSWORD", "searchlog-demo")
        with transaction.atomic():
            users = self._people(password)
            made = self._records(users)
            asked = self._approvals(users)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({made} new records, {asked} new requests)."))
        self.stdout.write(f"Sign in at {settings.SEARCHLOG_SITE_URL}/ as any of these, password: {password}")
        self.stdout.write("Demo only: these users have no second factor. Managers and auditors (and everyone when "
                          "SEARCHLOG_MFA_REQUIRED=true) are asked to set up an authenticator app after the password.")
        for username, first, last, role, member_of, manages in PEOPLE:
            detail = f"manages {manages}" if manages else (member_of or "all teams, read-only")
            self.stdout.write(f"  {username:<14} {first} {last}, {role.label.lower()} ({detail})")

    def _people(self, password: str) -> dict[str, User]:
        teams = {name: Team.objects.get_or_create(name=name)[0] for name in TEAMS}
        users = {}
        for username, first, last, role, member_of, manages in PEOPLE:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first, "last_name": last, "email": f"{username}@example.org", "role": role,
                    "team": teams.get(member_of) if member_of else None, "job_title": JOB_TITLES[username],
                },
            )
            user.set_password(password)
            user.save(update_fields=["password"])
            if manages:
                teams[manages].managers.add(user)
            users[username] = user
        return users

    def _records(self, users: dict[str, User]) -> int:
        authors = [users["practitioner"], users["practitioner2"], users["practitioner3"], users["manager"]]
        existing = SearchRecord.objects.filter(practitioner__in=authors).count()
        rng = random.Random(5_6)  # the same demo every time
        now = clock.now()
        made = 0
        for i in range(existing, RECORDS_WANTED):
            author = authors[i % len(authors)]
            searched = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 20), minutes=rng.randint(0, 59))
            subject = f"LAS-{100200 + i * 37}"
            if i in REPEATED:
                subject, days_ago = REPEATED[i]
                searched = now - timedelta(days=days_ago, hours=2)
            kind = i % 5
            with clock.frozen_at(searched + timedelta(minutes=rng.randint(5, 90))):
                if kind == 0:
                    workflow.record_create(
                        practitioner=author, quick=True,
                        data={"subject_reference": subject, "searched_at": searched,
                              "platforms": ["facebook", "instagram"], "emergency_category": "safeguarding"},
                    )
                elif kind == 1:
                    workflow.record_create(
                        practitioner=author,
                        data={"subject_reference": subject, "searched_at": searched, "platforms": ["linkedin"],
                              "purpose": "Checking an employment claim made at assessment."},
                    )
                else:
                    answers = {**(EMERGENCY if kind == 2 else COMPLETE), **VARIANTS.get(i, {})}
                    record = workflow.record_create(
                        practitioner=author, data={"subject_reference": subject, "searched_at": searched, **answers}
                    )
                    if kind != 4 or i % 2 == 0:
                        workflow.record_submit(record=record, actor=author)
            if kind in (2, 3):
                self._review(record, author, users, searched, i, now)
            made += 1
        return made

    def _review(self, record: SearchRecord, author: User, users: dict[str, User], searched: Any, i: int,
                now: Any) -> None:
        """Review some submitted records a day later, so the queue, returns and escalations have examples."""
        reviewer = users["auditor"] if author.is_manager else (
            users["manager"] if author.team.name == "Adults North" else users["manager2"]
        )
        moment = min(searched + timedelta(days=1), now)
        with clock.frozen_at(moment):
            if i in ESCALATED:
                escalation = workflow.record_escalate(
                    record=record, actor=reviewer,
                    comment="Friends-only content was viewed; please check this was authorised.",
                )
            elif i % 3 == 0:
                record = workflow.record_sign_off(record=record, actor=reviewer, reviewer_involved=i % 6 == 0)
            elif i % 3 == 1:
                workflow.record_return(
                    record=record, actor=reviewer, comment="Please say whether you checked what you found.",
                )
        if i in IG_SIGNED:
            with clock.frozen_at(min(moment + timedelta(hours=20), now)):
                workflow.record_sign_off(record=record, actor=users["auditor"], reviewer_involved=False,
                                         comment="The manager's involvement is explained; proportionate.")
        if i in ESCALATED and ESCALATED[i]:
            # Information governance decides it a few hours later (never in the future).
            with clock.frozen_at(min(moment + timedelta(hours=5), now)):
                workflow.escalation_close(escalation=escalation, actor=users["auditor"], outcome=ESCALATED[i],
                                          comment=CLOSING_COMMENTS[ESCALATED[i]])

    def _approvals(self, users: dict[str, User]) -> int:
        """Requests for prior approval in every state: waiting (one for two working days, one with a risk for
        information governance), approved, refused, cancelled, expired, and used by a record that was signed off."""
        if Approval.objects.exists():
            return 0
        now = clock.now()
        p1, p2, p3 = users["practitioner"], users["practitioner2"], users["practitioner3"]
        manager, manager2 = users["manager"], users["manager2"]

        def ask(who: User, subject: str, days_ago: float, **answers: Any) -> Approval:
            with clock.frozen_at(now - timedelta(days=days_ago)):
                return approvals.approval_request(requester=who, data={**REQUEST, "subject_reference": subject,
                                                                       **answers})

        def at(days_ago: float) -> Any:
            return clock.frozen_at(now - timedelta(days=days_ago))

        ask(p1, "LAS-300101", 0.1)
        ask(p2, "LAS-300102", 3)  # waiting more than a working day: chased
        ask(p1, "LAS-300103", 0.2, account_used="personal_device")  # a risk: information governance decides
        approved = ask(p2, "LAS-300104", 1)
        with at(0.9):
            approvals.approval_approve(approval=approved, actor=manager, conditions="The public profile only.")
        refused = ask(p3, "LAS-300105", 2)
        with at(1.8):
            approvals.approval_refuse(approval=refused, actor=manager2, comment=(
                "Ask the school first; a search is not proportionate while that has not been tried."))
        cancelled = ask(p1, "LAS-300106", 5)
        with at(4.5):
            approvals.approval_cancel(approval=cancelled, actor=p1, comment="The person agreed to show me instead.")
        expired = ask(p2, "LAS-300107", 12)
        with at(11.5):
            approvals.approval_approve(approval=expired, actor=manager, expires_at=now - timedelta(days=8.5))
        approvals.approvals_expire(now=now)
        used = ask(p1, "LAS-300108", 4)
        with at(3.9):
            approvals.approval_approve(approval=used, actor=manager, conditions="One viewing; no screenshots.")
        with at(3):
            record = workflow.record_create(practitioner=p1, data={
                **UNDER_APPROVAL, "subject_reference": "LAS-300108", "searched_at": now - timedelta(days=3, hours=1),
                "approval": used.pk})
            workflow.record_submit(record=record, actor=p1)
        with at(2):
            workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False,
                                     comment="Within the approval and its conditions.")
        return Approval.objects.count()


REQUEST = {
    "subject_relationship": "person_supported",
    "purpose": "To check whether the person is being financially exploited by a new associate.",
    "justification": "Two agencies reported this week that money is being taken; he will not discuss it.",
    "alternatives_considered": "Asked him and his sister; a visit is booked but the risk needs checking first.",
    "collateral_intrusion": "Friends' posts may be visible; only his own public profile page will be viewed.",
    "platforms": ["facebook"],
    "viewings": 1,
    "account_used": "org_account_org_device",
    "confidential_information": False,
    "needed_for_days": 7,
}
# A record under an approval: necessity and alternatives are answered by the approval (not retyped).
UNDER_APPROVAL = {
    **COMPLETE,
    "purpose": REQUEST["purpose"],
    "consent_status": "not_sought_other",
    "consent_given_by": "",
    "consent_details": "Not asked: asking would have warned the associate (see the approval).",
    "collateral_intrusion": "Two friends' comments were visible; not read further or recorded.",
    "findings": "Posts show the associate using his bank card; shared with the safeguarding team.",
    "actions_taken": ["shared_safeguarding", "case_file"],
}
