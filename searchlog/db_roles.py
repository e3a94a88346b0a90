"""Two PostgreSQL roles, so that the app cannot rewrite its own audit trail.

`searchlog_owner` owns the schema and runs migrations; `searchlog_app` is what the running app connects as. The app
may read and write every table except the insert-only ones, where it may only SELECT and INSERT: no UPDATE, DELETE,
TRUNCATE, trigger change (only an owner may ALTER a table) or `session_replication_role` (superuser-only, and nothing
here grants it). Run it as a superuser, and again after every migrate: a table a later migration creates gets the
default privileges (migrate itself takes UPDATE and DELETE away from a new insert-only table at once), and a table a
superuser created is handed to the owner only here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from django.db import connections, transaction

OWNER_ROLE = "searchlog_owner"
APP_ROLE = "searchlog_app"
SCHEMA = "public"
# The audit trail and its seals: the app appends and reads them, never changes them.
INSERT_ONLY_TABLES = ("searchlog_auditevent", "searchlog_auditseal")
# Whoever may SET it can switch triggers off for their session (`replica` skips ordinary triggers).
GUARDED_PARAMETER = "session_replication_role"
_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION INHERIT"
# Relation kinds the app uses as tables: table, partitioned table, view, materialized view, foreign table.
_ALTER_BY_RELKIND = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE",
                     "S": "SEQUENCE"}
_SCRAM_ITERATIONS = 4096


class NotASuperuser(Exception):
    """Creating roles and handing objects over needs a superuser connection."""


def db_roles_setup(*, owner_password: str, app_password: str, using: str = "default") -> list[str]:
    """Create or update the owner and app roles and their rights in one transaction; return what was done."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return [f"{connection.vendor}: no database roles to set up, nothing to do"]
    done: list[str] = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            raise NotASuperuser("setup_db_roles needs a superuser DATABASE_URL")
        done.append(_role_upsert(cursor, OWNER_ROLE, owner_password))
        done.append(_role_upsert(cursor, APP_ROLE, app_password))
        done += _app_role_strip(cursor)
        done.append(_database_connect_grant(cursor))
        done.append(_objects_hand_over(cursor))
        done += _app_grants(cursor)
    return done


def _role_upsert(cursor: Any, role: str, password: str) -> str:
    cursor.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [role])
    row = cursor.fetchone()
    verb = "CREATE" if row is None else "ALTER"
    # Only a verifier is sent (as psql's \password does), so the password never reaches the server's logs.
    unchanged = row is not None and password_matches(row[0], role=role, password=password)
    password_clause = "" if unchanged else " PASSWORD %s"
    params = [] if unchanged else [scram_verifier(password)]
    cursor.execute(f"{verb} ROLE {role} WITH {_ROLE_ATTRIBUTES}{password_clause}", params)
    if row is None:
        return f"role {role}: created"
    return f"role {role}: {'password unchanged' if unchanged else 'password set'}"


def _app_role_strip(cursor: Any) -> list[str]:
    """Take away from the app role every right this setup does not give: memberships, a per-role trigger switch."""
    done = []
    cursor.execute(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s ORDER BY 1", [APP_ROLE])
    for (group,) in cursor.fetchall():
        # A membership such as pg_write_all_data would give UPDATE and DELETE on every table.
        cursor.execute(f'REVOKE "{group}" FROM {APP_ROLE}')
        done.append(f"role {APP_ROLE}: membership of {group} revoked")
    cursor.execute(f"ALTER ROLE {APP_ROLE} RESET {GUARDED_PARAMETER}")
    cursor.execute(f"ALTER ROLE {APP_ROLE} IN DATABASE {_current_database(cursor)} RESET {GUARDED_PARAMETER}")
    cursor.execute("SELECT current_setting('server_version_num')::int >= 150000")
    if cursor.fetchone()[0]:
        cursor.execute("SELECT 1 FROM pg_parameter_acl WHERE parname = %s", [GUARDED_PARAMETER])
        if cursor.fetchone():
            cursor.execute(f"REVOKE ALL ON PARAMETER {GUARDED_PARAMETER} FROM PUBLIC, {APP_ROLE}")
            done.append(f"parameter {GUARDED_PARAMETER}: grants to PUBLIC and {APP_ROLE} revoked")
    return done


def _current_database(cursor: Any) -> str:
    cursor.execute("SELECT quote_ident(current_database())")
    return str(cursor.fetchone()[0])


def _database_connect_grant(cursor: Any) -> str:
    name = _current_database(cursor)
    cursor.execute(f"GRANT CONNECT ON DATABASE {name} TO {OWNER_ROLE}, {APP_ROLE}")
    # Before PostgreSQL 15 everyone may create objects in `public`; only the owner should.
    cursor.execute(f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC, {APP_ROLE}")
    cursor.execute(f"GRANT USAGE, CREATE ON SCHEMA {SCHEMA} TO {OWNER_ROLE}")
    cursor.execute(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {APP_ROLE}")
    return (f"database {name}: CONNECT granted to {OWNER_ROLE} and {APP_ROLE}; schema {SCHEMA}: "
            f"USAGE and CREATE to {OWNER_ROLE}, USAGE only to {APP_ROLE}")


def _objects_hand_over(cursor: Any) -> str:
    """Make the owner role own every table, sequence and function of the schema (a superuser may have migrated)."""
    cursor.execute(
        """
        SELECT c.relkind, quote_ident(c.relname) FROM pg_class c
        WHERE c.relnamespace = %s::regnamespace AND c.relkind = ANY(%s)
          AND pg_get_userbyid(c.relowner) <> %s
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
        ORDER BY c.relkind, c.relname
        """,
        [SCHEMA, list(_ALTER_BY_RELKIND), OWNER_ROLE],
    )
    # A sequence that belongs to a column follows its table; one from an extension stays with the extension.
    relations = cursor.fetchall()
    for relkind, name in relations:
        cursor.execute(f"ALTER {_ALTER_BY_RELKIND[relkind]} {SCHEMA}.{name} OWNER TO {OWNER_ROLE}")
    cursor.execute(
        """
        SELECT p.prokind, p.oid::regprocedure::text FROM pg_proc p
        WHERE p.pronamespace = %s::regnamespace AND p.prokind IN ('f', 'p') AND pg_get_userbyid(p.proowner) <> %s
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                          AND d.deptype = 'e')
        """,
        [SCHEMA, OWNER_ROLE],
    )
    functions = cursor.fetchall()
    for prokind, signature in functions:
        cursor.execute(f"ALTER {'PROCEDURE' if prokind == 'p' else 'FUNCTION'} {signature} OWNER TO {OWNER_ROLE}")
    return f"owner {OWNER_ROLE}: {len(relations)} relations and {len(functions)} functions handed over"


def _app_grants(cursor: Any) -> list[str]:
    everything = f"ALL TABLES IN SCHEMA {SCHEMA}"
    # Start from nothing each time, so that a right granted by hand (TRUNCATE, TRIGGER…) does not survive a re-run.
    cursor.execute(f"REVOKE ALL ON {everything} FROM {APP_ROLE}")
    cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {everything} TO {APP_ROLE}")
    cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {APP_ROLE}")
    cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {SCHEMA} TO {APP_ROLE}")
    done = [f"app {APP_ROLE}: SELECT, INSERT, UPDATE, DELETE on every table; sequences and functions usable"]
    done += _insert_only_revokes(cursor)
    default = f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER_ROLE} IN SCHEMA {SCHEMA}"
    cursor.execute(f"{default} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}")
    cursor.execute(f"{default} GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}")
    cursor.execute(f"{default} GRANT EXECUTE ON FUNCTIONS TO {APP_ROLE}")
    done.append(f"default privileges: what {OWNER_ROLE} creates later is usable by {APP_ROLE} (re-run this after "
                "migrate to make new insert-only tables insert-only)")
    return done


def insert_only_tables_enforce(*, using: str = "default") -> list[str]:
    """Take UPDATE, DELETE and the rest back from the app on the insert-only tables (as their owner or a superuser).

    migrate calls it, so a table a migration has just created is insert-only before setup_db_roles runs again.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        return _insert_only_revokes(cursor) if cursor.fetchone() else []


def _insert_only_revokes(cursor: Any) -> list[str]:
    done = []
    for table in INSERT_ONLY_TABLES:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.{table}"])
        if not cursor.fetchone()[0]:
            done.append(f"insert-only {table}: not there yet, skipped")
            continue
        # Revoking a table right revokes the same right on each of its columns too.
        cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {SCHEMA}.{table} FROM PUBLIC, "
                       f"{APP_ROLE}")
        done.append(f"insert-only {table}: {APP_ROLE} may SELECT and INSERT only")
    return done


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = _SCRAM_ITERATIONS) -> str:
    """Return the SCRAM-SHA-256 verifier PostgreSQL stores for this password (RFC 5803 format)."""
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored_key = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    b64 = base64.b64encode
    return f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}${b64(stored_key).decode()}:{b64(server_key).decode()}"


def password_matches(verifier: str | None, *, role: str, password: str) -> bool:
    """Whether a stored verifier (SCRAM-SHA-256, or the older md5) is the one for this password."""
    if not verifier:
        return False
    if verifier.startswith("md5"):
        return hmac.compare_digest(verifier, "md5" + hashlib.md5((password + role).encode()).hexdigest())  # noqa: S324
    try:
        method, rest = verifier.split("$", 1)
        iterations, salt = rest.split("$", 1)[0].split(":")
        expected = scram_verifier(password, salt=base64.b64decode(salt), iterations=int(iterations))
    except ValueError:
        return False
    return method == "SCRAM-SHA-256" and hmac.compare_digest(verifier, expected)
