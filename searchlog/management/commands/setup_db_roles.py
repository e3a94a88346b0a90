"""Create or update the owner and app database roles (PostgreSQL) and print what was done."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from searchlog.db_roles import APP_ROLE, OWNER_ROLE, NotASuperuser, db_roles_setup

PASSWORD_VARIABLES = {"owner_password": "SEARCHLOG_OWNER_PASSWORD", "app_password": "SEARCHLOG_APP_PASSWORD"}


class Command(BaseCommand):
    help = (
        f"With a superuser DATABASE_URL, create or update the roles {OWNER_ROLE} (owns the schema, runs migrate via "
        f"DATABASE_OWNER_URL) and {APP_ROLE} (what the app connects as; may only read and append audit events), "
        "with passwords from SEARCHLOG_OWNER_PASSWORD and SEARCHLOG_APP_PASSWORD. Idempotent: re-run it after every "
        "migrate, so that new tables are handed to the owner and new insert-only tables lose UPDATE and DELETE. "
        "PostgreSQL only; on SQLite it has nothing to do."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            self.stdout.write(f"{connection.vendor}: no database roles to set up, nothing to do")
            return
        missing = [name for name in PASSWORD_VARIABLES.values() if not os.environ.get(name)]
        if missing:
            raise CommandError(f"set {' and '.join(missing)}")
        passwords = {arg: os.environ[name] for arg, name in PASSWORD_VARIABLES.items()}
        try:
            done = db_roles_setup(**passwords)
        except NotASuperuser as error:
            raise CommandError(str(error)) from error
        for line in done:
            self.stdout.write(line)
