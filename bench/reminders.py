"""Benchmark one reminder sweep: 200,000 records of which 20,000 are due, on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres benchreminders
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/benchreminders .venv/bin/python bench/reminders.py

Prints the seconds, the number of queries and the reminders sent, for the decision and for delivery
(one claim per message; emails go to Django's in-memory backend, so SMTP is not what is measured).
Target: under 10 seconds,
and a query count that does not grow with the number of records. The data is removed afterwards.
"""

from __future__ import annotations

import io
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

RECORDS = int(os.environ.get("BENCH_RECORDS", "200000"))
DUE = int(os.environ.get("BENCH_DUE", "20000"))
PRACTITIONERS = 200


def build() -> None:
    from searchlog.models import Role, Team, User

    team = Team.objects.create(name="Bench team")
    manager = User.objects.create(username="bench-manager", role=Role.MANAGER, team=team, email="m@example.org")
    team.managers.add(manager)
    now = timezone.now()
    User.objects.bulk_create([
        User(username=f"bench-p{i}", team=team, email=f"p{i}@example.org", privacy_checked_at=now)
        for i in range(PRACTITIONERS)
    ])
    User.objects.filter(pk=manager.pk).update(privacy_checked_at=now)
    ids = list(User.objects.filter(username__startswith="bench-p").values_list("id", flat=True))
    fresh, old = now - timedelta(hours=2), now - timedelta(hours=30)
    # COPY is the quick way in: justified records, and DUE unjustified drafts older than the threshold.
    buffer = io.StringIO()
    for n in range(RECORDS):
        due = n < DUE
        created = old if due else fresh
        buffer.write("\t".join([
            f"OS-2026-{n + 1:06d}", "draft", "f" if due else "t", str(ids[n % len(ids)]), str(team.pk),
            created.isoformat(), created.isoformat(), (created - timedelta(hours=1)).isoformat(), f"LAS-{n}",
            "[]", "[]",
        ]) + "\n")
    buffer.seek(0)
    columns = ("reference", "status", "is_justified", "practitioner_id", "team_id", "created_at", "updated_at",
               "searched_at", "subject_reference", "platforms", "actions_taken")
    defaults = ("subject_initials", "platforms_other", "search_terms", "content_visibility", "purpose",
                "consent_status", "consent_details", "emergency_category", "justification", "collateral_intrusion",
                "account_used", "interaction", "lawful_basis", "special_category_condition", "findings",
                "actions_taken_details", "information_retained")
    with connection.cursor() as cursor:
        for column in defaults:
            cursor.execute(f"ALTER TABLE searchlog_searchrecord ALTER COLUMN {column} SET DEFAULT ''")
        for column in ("is_emergency", "is_quick_record", "reviewer_involved"):
            cursor.execute(f"ALTER TABLE searchlog_searchrecord ALTER COLUMN {column} SET DEFAULT false")
        cursor.execute("ALTER TABLE searchlog_searchrecord ALTER COLUMN revision SET DEFAULT 0")
        cursor.cursor.copy_expert(
            f"COPY searchlog_searchrecord ({', '.join(columns)}) FROM STDIN", buffer
        )
        cursor.execute("ANALYZE searchlog_searchrecord")


def clean() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE searchlog_notification, searchlog_transition, searchlog_recordrevision, searchlog_addendum, "
            "searchlog_escalation, searchlog_searchrecord, searchlog_referencecounter, searchlog_team_managers, "
            "searchlog_team, searchlog_privacycheck, searchlog_apitoken, searchlog_signinfailure, "
            "searchlog_signinlockout CASCADE"
        )
        cursor.execute("DELETE FROM searchlog_user WHERE username LIKE 'bench-%%'")


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    call_command("migrate", verbosity=0)
    from django.core import mail

    from searchlog import delivery, reminders

    clean()
    started = time.perf_counter()
    build()
    print(f"built {RECORDS:,} records ({DUE:,} due) in {time.perf_counter() - started:.1f} s")
    mail.outbox = []
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = reminders.reminder_sweep()
        seconds = time.perf_counter() - started
    print(f"sweep (decide and write, one transaction): {seconds:.2f} s, {len(queries)} queries, "
          f"{sum(result.decided.values()):,} reminders decided")
    print(f"  {result}")
    with CaptureQueriesContext(connection) as again:
        started = time.perf_counter()
        second = reminders.reminder_sweep()
        print(f"a second sweep straight after (nothing new): {time.perf_counter() - started:.2f} s, "
              f"{len(again)} queries, {sum(second.decided.values())} decided")
    sending = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal sending
        sending += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started, cpu = time.perf_counter(), time.process_time()
        emailed = delivery.deliver_pending()
        delivered, cpu = time.perf_counter() - started, time.process_time() - cpu
    # One claim per message: pick, claim, mark. CPU is this process's own time (the rest is PostgreSQL
    # and, on a shared machine, waiting for a core).
    print(f"delivery (one claim per message, in-memory email backend): {delivered:.2f} s, {sending:,} queries "
          f"({sending / max(emailed, 1):.1f} a message), {emailed:,} emailed ({len(mail.outbox):,} messages, "
          f"{emailed / delivered:,.0f}/s; {cpu:.1f} s of Python CPU, {emailed / max(cpu, 1e-9):,.0f} per CPU second)")
    print("target: sweep under 10 s; " + ("met" if seconds < 10 else "NOT met"))
    clean()


if __name__ == "__main__":
    main()
