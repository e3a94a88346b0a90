"""Run one reminder sweep (the same code as the Celery beat task) and print what it sent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from searchlog.reminders import send_reminders


class Command(BaseCommand):
    help = "Run one reminder sweep now and print what it decided and emailed."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(send_reminders()))
