"""Apply the retention schedule (the same code as the monthly Celery beat task) and print what it did."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from searchlog.retention import RetentionRefused, retention_apply


class Command(BaseCommand):
    help = ("Anonymise the records whose last activity is older than SEARCHLOG_RETENTION_YEARS (default 6), except "
            "those on legal hold, and log each in the disposal log. --dry-run prints what would be anonymised, by "
            "year and team, and changes nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print what would be anonymised; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = retention_apply(dry_run=options["dry_run"], started_by="apply_retention command")
        except RetentionRefused as refused:
            raise CommandError(str(refused), returncode=2) from None
        for line in result.lines():
            self.stdout.write(line)
