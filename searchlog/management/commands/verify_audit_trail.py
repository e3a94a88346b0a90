"""Check the audit trail: exit 0 with "ok: N events sealed", else exit 1 naming the first thing that is wrong."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from searchlog.audit_chain import audit_verify


class Command(BaseCommand):
    help = ("Verify the audit trail: every sealed event against its chain entry (HMAC with SEARCHLOG_AUDIT_KEY), the "
            "chain against the newest checkpoint, and no event left unsealed behind the sealer or for longer than "
            "SEARCHLOG_AUDIT_SEAL_GRACE_SECONDS. Exit 1 naming the first event that does not verify.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError(f"audit trail broken: {result.summary}", returncode=1)
        self.stdout.write(result.summary)
