"""Check the audit trail's hash chain: exit 0 with "ok: N events", else exit 1 naming the first bad event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from searchlog.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit 1 and name the first event that does not verify."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError(f"audit trail broken: {result.summary}", returncode=1)
        self.stdout.write(result.summary)
