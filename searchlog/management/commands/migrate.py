"""Django's migrate, run as the owner role when DATABASE_OWNER_URL is set (the app's own role may not alter tables)."""

from __future__ import annotations

import os
from typing import Any

import dj_database_url
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

from searchlog.db_roles import insert_only_tables_enforce

OWNER_URL_VARIABLE = "DATABASE_OWNER_URL"


class Command(DjangoMigrate):
    help = (
        f"{DjangoMigrate.help} When {OWNER_URL_VARIABLE} is set, connects with its user and password (the schema "
        "owner, searchlog_owner) instead of DATABASE_URL's; run setup_db_roles afterwards."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        owner_url = os.environ.get(OWNER_URL_VARIABLE)
        if owner_url and options["database"] == DEFAULT_DB_ALIAS:
            connect_as_owner(owner_url)
        super().handle(*args, **options)
        # Default privileges gave the app UPDATE and DELETE on any table just created, insert-only ones included.
        if not options["plan"] and not options["check_unapplied"]:
            insert_only_tables_enforce(using=options["database"])


def connect_as_owner(owner_url: str, alias: str = DEFAULT_DB_ALIAS) -> None:
    """Point the connection at the owner's credentials; refuse an owner URL naming another database."""
    owner = dj_database_url.parse(owner_url)
    settings = connections[alias].settings_dict
    where = ("ENGINE", "HOST", "PORT")
    if any(str(owner.get(key) or "") != str(settings.get(key) or "") for key in where):
        raise CommandError(f"{OWNER_URL_VARIABLE} must name the same server as DATABASE_URL "
                           f"({', '.join(k.lower() for k in where)}), with the owner's user and password")
    # The test runner migrates a test database of its own name, so the database name comes from the settings.
    connections[alias].close()
    settings["USER"], settings["PASSWORD"] = owner["USER"], owner.get("PASSWORD", "")
