"""Seal the audit events not yet in the chain and write a checkpoint; with --follow, keep doing so."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from searchlog.audit_chain import audit_seal


class Command(BaseCommand):
    help = ("Seal every audit event not yet in the chain (HMAC-SHA256 with SEARCHLOG_AUDIT_KEY) and write a signed "
            "checkpoint to SEARCHLOG_AUDIT_CHECKPOINT_DIR. Safe to run while other sealers run: one seals, the "
            "others skip.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--follow", action="store_true", help="Keep sealing, as a dedicated process.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between runs with --follow.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            result = audit_seal()
            if not options["follow"] or result.sealed or options["verbosity"] > 1:
                self.stdout.write(str(result))
            if not options["follow"]:
                return
            close_old_connections()
            time.sleep(options["interval"])
