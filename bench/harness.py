"""What bench/load.py, bench/api.py and bench/faults.py share: a database of their own, gunicorn, users with tokens,
the practitioner and manager loops, and the checks that nothing acknowledged was lost.

The scripts drive the app from outside, as clients would: gunicorn serves it, and every action goes through the API.
The checks afterwards read the database through the ORM (with DATABASE_URL, the set-up connection) and run
`manage.py verify_audit_trail` (after `seal_audit_trail`, when the app has a sealer) as separate processes, so they
keep working while the audit trail, the workflow's locking and the database roles change underneath.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PASSWORD = "bench horse battery staple"  # noqa: S105 - users that live only in a bench database
AUDIT_KEY = "bench-audit-key-not-a-secret-0123456789abcdef"
# How far a record has got: a manager's sign-off ends in signed_off, or in ig_review when information governance
# must sign off too.
STATUS_RANK = {"draft": 0, "returned": 0, "submitted": 1, "ig_review": 2, "signed_off": 2, "escalated": 2,
               "closed": 2}
# What each acknowledged write must have left: the audit action, and the transition (None for a change).
WRITE_AUDIT_ACTION = {"create": "record.create", "patch": "record.change", "submit": "record.submit",
                      "sign_off": "record.sign_off"}
WRITE_TRANSITION = {"create": "create", "patch": None, "submit": "submit", "sign_off": "sign_off"}
WRITE_STATUS = {"create": "draft", "patch": "draft", "submit": "submitted", "sign_off": "signed_off"}


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def recreate_database(url: str) -> None:
    """Drop and create the bench's own database (the name must contain "bench", so a typo cannot drop a real one)."""
    import psycopg2

    name = database_name(url)
    if "bench" not in name or not name.replace("_", "").isalnum():
        sys.exit(f"refusing to drop and recreate database {name!r}: give the bench a database of its own whose "
                 "name contains 'bench' (e.g. benchload)")
    connection = psycopg2.connect(with_database(url, "postgres"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


# --- manage.py, as its own process -------------------------------------------------------------------------------

def manage(env: Mapping[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=dict(env), capture_output=True, text=True,
                          timeout=timeout, check=False)


def manage_commands(env: Mapping[str, str]) -> set[str]:
    """The management commands this checkout has (the sealer and the roles command may or may not exist yet)."""
    done = manage(env, "help", "--commands")
    return {line.strip() for line in done.stdout.splitlines() if line.strip()}


def must(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode != 0:
        sys.exit(f"{what} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")


def app_env(setup_url: str, work: Path, *, broker_url: str | None = None,
            extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the served app (and of the sealer and verifier): production-like, DEBUG off.

    When SEARCHLOG_APP_DATABASE_URL is set (the app's own database role), the app connects with it; the set-up
    (migrate, users, checks) keeps DATABASE_URL.
    """
    env = dict(os.environ)
    app_url = os.environ.get("SEARCHLOG_APP_DATABASE_URL") or setup_url
    env.update({
        "DATABASE_URL": app_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SEARCHLOG_AUDIT_KEY": os.environ.get("SEARCHLOG_AUDIT_KEY", AUDIT_KEY),
        # Checkpoints of this run only: the database is new, so older ones would not match it.
        "SEARCHLOG_AUDIT_CHECKPOINT_DIR": str(work / "checkpoints"),
        "SEARCHLOG_VAR_DIR": str(work / "var"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    env.update(extra or {})
    (work / "checkpoints").mkdir(parents=True, exist_ok=True)
    return env


def prepare_schema(setup_url: str, server_env: Mapping[str, str]) -> set[str]:
    """Migrate as the set-up role; when the roles command exists and the app has its own URL, set the roles up."""
    setup_env = {**server_env, "DATABASE_URL": setup_url}
    commands = manage_commands(setup_env)
    roles = "setup_db_roles" in commands and bool(os.environ.get("SEARCHLOG_APP_DATABASE_URL"))
    if roles:
        must(manage(setup_env, "setup_db_roles"), "setup_db_roles")
    must(manage(setup_env, "migrate", "--noinput"), "migrate")
    if roles:  # again, for the tables the migration made
        must(manage(setup_env, "setup_db_roles"), "setup_db_roles")
    return commands


# --- gunicorn ----------------------------------------------------------------------------------------------------

class Gunicorn:
    """gunicorn serving config.wsgi on a free local port, in a process group of its own."""

    def __init__(self, env: Mapping[str, str], work: Path, *, workers: int = 4, threads: int = 4) -> None:
        self.port = free_port()
        self.log_path = work / "gunicorn.log"
        self.workers = workers
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [GUNICORN, "config.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--threads", str(threads), "--worker-class", "gthread", "--keep-alive", "30", "--timeout", "60",
             "--graceful-timeout", "5", "--capture-output"],
            cwd=ROOT, env=dict(env), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited with {self.process.returncode}; see {self.log_path}:\n{self.log_tail()}")
            if len(self.worker_pids()) == self.workers:
                try:
                    status, _body, _s = Client(self.port).request("GET", "/api/v1/me/")
                    if status in (401, 403):
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        sys.exit(f"gunicorn did not answer within {timeout:.0f}s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def stop(self) -> None:
        stop_group(self.process)
        self._log.close()


def stop_group(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """TERM then KILL the process group this bench started (start_new_session), by its id."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        pass


class Sealer:
    """`seal_audit_trail --follow` beside the app, as a deployment runs it, when the checkout has one."""

    def __init__(self, env: Mapping[str, str], work: Path) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        if "--follow" not in manage(env, "seal_audit_trail", "--help").stdout:
            return
        log = (work / "sealer.log").open("ab")
        self.process = subprocess.Popen([PYTHON, "manage.py", "seal_audit_trail", "--follow"], cwd=ROOT,
                                        env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)


def seal_and_verify(env: Mapping[str, str], commands: set[str]) -> tuple[bool, str]:
    """Seal what is not sealed yet (if the app has a sealer), then verify_audit_trail: (ok, what they printed)."""
    said = []
    if "seal_audit_trail" in commands:
        sealed = manage(env, "seal_audit_trail")
        said.append(f"seal_audit_trail exit {sealed.returncode}: {(sealed.stdout + sealed.stderr).strip()[-300:]}")
    verified = manage(env, "verify_audit_trail")
    said.append(f"verify_audit_trail exit {verified.returncode}: {(verified.stdout + verified.stderr).strip()[-300:]}")
    return verified.returncode == 0, "; ".join(said)


# --- the HTTP client ---------------------------------------------------------------------------------------------

class Client:
    """One keep-alive connection, as one browser tab or script would hold. Status 0 means no answer came."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.token = token
        self.connection: http.client.HTTPConnection | None = None
        self.last_error = ""

    def request(self, method: str, path: str, body: object = None) -> tuple[int, object, float]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException) as error:
            self.last_error = type(error).__name__
            self.close()
            return 0, None, time.perf_counter() - started
        seconds = time.perf_counter() - started
        try:
            parsed: object = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw[:200]
        return status, parsed, seconds

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# --- people ------------------------------------------------------------------------------------------------------

@dataclass
class Person:
    username: str
    team: str
    token: str = ""


def make_people(teams: int, practitioners: int, managers_per_team: int = 1) -> tuple[list[Person], list[Person]]:
    """Practitioners spread over the teams, and each team's managers, straight into the database (set-up role)."""
    from django.contrib.auth.hashers import make_password

    from searchlog.models import Role, Team, User

    encoded = make_password(PASSWORD)  # one hash for everyone: hashing 55 times would only slow the set-up
    now = datetime.now(UTC)
    team_rows = [Team.objects.create(name=f"Bench team {t + 1}") for t in range(teams)]
    people = [
        User(username=f"bench-p{n + 1:03d}", team=team_rows[n % teams], password=encoded, email=f"p{n + 1}@example.org",
             privacy_checked_at=now)
        for n in range(practitioners)
    ]
    bosses = [
        User(username=f"bench-m{t + 1}-{m + 1}", team=team, role=Role.MANAGER, password=encoded,
             email=f"m{t + 1}-{m + 1}@example.org", privacy_checked_at=now)
        for t, team in enumerate(team_rows) for m in range(managers_per_team)
    ]
    User.objects.bulk_create(people + bosses)
    for manager in User.objects.filter(username__in=[b.username for b in bosses]).select_related("team"):
        manager.team.managers.add(manager)
    return ([Person(u.username, u.team.name) for u in people], [Person(u.username, u.team.name) for u in bosses])


def get_tokens(port: int, people: list[Person], parallel: int = 8) -> None:
    """POST /api/v1/auth/token/ for each person, a few at a time (password hashing is the slow part)."""
    def fetch(person: Person) -> None:
        for _attempt in range(5):
            status, body, _s = Client(port).request(
                "POST", "/api/v1/auth/token/", {"username": person.username, "password": PASSWORD}
            )
            if status == 200 and isinstance(body, dict) and body.get("token"):
                person.token = str(body["token"])
                return
            time.sleep(0.5)
        sys.exit(f"no API token for {person.username}: HTTP {status} {body!r}")

    run_threads([lambda p=p: fetch(p) for p in people], limit=parallel)


def run_threads(jobs: list[Callable[[], None]], limit: int) -> None:
    for start in range(0, len(jobs), limit):
        threads = [threading.Thread(target=job) for job in jobs[start:start + limit]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


# --- the load ----------------------------------------------------------------------------------------------------

@dataclass
class Sample:
    op: str
    status: int
    seconds: float
    done_at: float = field(default_factory=time.perf_counter)


@dataclass
class Ack:
    """A write the server acknowledged (2xx): it must be in the database afterwards."""

    op: str
    reference: str
    actor: str
    value: str = ""


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    connection_errors: Counter[str] = field(default_factory=Counter)

    def sample(self, client: Client, op: str, status: int, seconds: float) -> None:
        self.samples.append(Sample(op, status, seconds))  # list.append is atomic: threads share one recorder
        if status == 0:
            self.connection_errors[client.last_error] += 1


def justified_body(username: str, n: int) -> dict[str, object]:
    from tests.factories import JUSTIFIED_ANSWERS

    searched = datetime.now(UTC) - timedelta(hours=1)
    return {"subject_reference": f"LAS-{username}-{n}", "searched_at": searched.isoformat(), **JUSTIFIED_ANSWERS}


def practitioner_loop(port: int, person: Person, stop: threading.Event, recorder: Recorder,
                      think: float = 0.0) -> None:
    """create → PATCH one answer → submit, again and again, pausing `think` seconds before each request."""
    client = Client(port, person.token)
    n = 0
    while not stop.is_set():
        n += 1
        stop.wait(think)
        status, body, seconds = client.request("POST", "/api/v1/searches/", justified_body(person.username, n))
        recorder.sample(client, "create", status, seconds)
        if status != 201 or not isinstance(body, dict):
            time.sleep(0.05)  # not a hot loop while the server is down
            continue
        reference = str(body["reference"])
        recorder.acks.append(Ack("create", reference, person.username))
        path = f"/api/v1/searches/{reference}/"
        findings = f"Bench findings {person.username} {n}"
        stop.wait(think)
        status, _body, seconds = client.request("PATCH", path, {"findings": findings})
        recorder.sample(client, "patch", status, seconds)
        if 200 <= status < 300:
            recorder.acks.append(Ack("patch", reference, person.username, findings))
        stop.wait(think)
        status, _body, seconds = client.request("POST", f"{path}submit/")
        recorder.sample(client, "submit", status, seconds)
        if 200 <= status < 300:
            recorder.acks.append(Ack("submit", reference, person.username))
    client.close()


def manager_loop(port: int, person: Person, stop: threading.Event, recorder: Recorder, think: float = 0.0) -> None:
    """Read the review queue and sign off what is in it; an empty queue is read again after a short pause."""
    client = Client(port, person.token)
    while not stop.is_set():
        stop.wait(think)
        status, body, seconds = client.request("GET", "/api/v1/review-queue/")
        recorder.sample(client, "queue", status, seconds)
        results = body.get("results", []) if status == 200 and isinstance(body, dict) else []
        if not results:
            stop.wait(0.5)
            continue
        for item in results:
            if stop.is_set():
                break
            reference = item["reference"]
            stop.wait(think)
            status, _body, seconds = client.request(
                "POST", f"/api/v1/searches/{reference}/sign-off/", {"reviewer_involved": False}
            )
            recorder.sample(client, "sign_off", status, seconds)
            if 200 <= status < 300:
                recorder.acks.append(Ack("sign_off", reference, person.username))
    client.close()


class Load:
    """The practitioners' and managers' loops in threads, started and stopped together."""

    def __init__(self, port: int, practitioners: list[Person], managers: list[Person], recorder: Recorder,
                 think: float = 0.0) -> None:
        self.stop_event = threading.Event()
        self.recorder = recorder
        self.threads = [
            threading.Thread(target=practitioner_loop, args=(port, p, self.stop_event, recorder, think), daemon=True)
            for p in practitioners
        ] + [
            threading.Thread(target=manager_loop, args=(port, m, self.stop_event, recorder, think), daemon=True)
            for m in managers
        ]
        self.started = self.stopped = 0.0

    def start(self) -> None:
        self.started = time.perf_counter()
        for thread in self.threads:
            thread.start()

    def stop(self) -> float:
        """Stop every loop (each finishes the request it is in) and return the seconds the load ran."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(90)
        self.stopped = time.perf_counter()
        return self.stopped - self.started


# --- figures -----------------------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)  # nearest rank
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def latency_table(samples: Iterable[Sample], ops: Iterable[str]) -> tuple[list[str], dict[str, float]]:
    """Lines of count and p50/p95/p99/max per operation (answered requests only), and each operation's p95."""
    by_op: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_op[sample.op].append(sample)
    lines = [f"  {'operation':<10} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses"]
    p95s = {}
    for op in ops:
        rows = by_op.get(op, [])
        answered = [s.seconds * 1000 for s in rows if s.status]
        statuses = Counter(s.status for s in rows)
        p95s[op] = percentile(answered, 95)
        lines.append(
            f"  {op:<10} {len(rows):>8} {percentile(answered, 50):>8.0f} {p95s[op]:>8.0f} "
            f"{percentile(answered, 99):>8.0f} {max(answered, default=float('nan')):>8.0f}  "
            + ", ".join(f"{'no answer' if k == 0 else k}: {v}" for k, v in sorted(statuses.items()))
        )
    return lines, p95s


def answered_within(samples: Iterable[Sample], start: float, end: float) -> int:
    """Requests answered inside the window (the ones still in flight when it closed finish later, uncounted)."""
    return sum(1 for s in samples if s.status and start <= s.done_at <= end)


def status_counts(samples: Iterable[Sample]) -> Counter[int]:
    return Counter(s.status for s in samples)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


# --- checks against the database ---------------------------------------------------------------------------------

@dataclass
class Integrity:
    acknowledged: int = 0
    lost: list[str] = field(default_factory=list)
    half_written: list[str] = field(default_factory=list)
    records: int = 0
    unacknowledged_saves: int = 0

    def lines(self, show: int = 10) -> list[str]:
        out = [
            f"acknowledged writes: {self.acknowledged}; records in the database: {self.records} "
            f"({self.unacknowledged_saves} saved without an acknowledgement reaching the client)",
            f"lost writes (acknowledged, not in the database as acknowledged): {len(self.lost)}   target 0   "
            f"{verdict(not self.lost)}",
            *[f"    {line}" for line in self.lost[:show]],
            f"half-written records: {len(self.half_written)}   target 0   {verdict(not self.half_written)}",
            *[f"    {line}" for line in self.half_written[:show]],
        ]
        return out


def check_integrity(acks: list[Ack]) -> Integrity:
    """Every acknowledged write is in the database as acknowledged; every record is whole.

    A write is there when its record exists with at least the acknowledged status, with the transition and audit
    event that write makes (and for a change, the value sent). A record is whole when it has its create transition
    and create audit event, its transitions follow one another, and its status is its last transition's.
    """
    from django.db import connection

    from searchlog.models import AuditEvent, SearchRecord, Transition

    connection.close()  # a fresh connection: the private PostgreSQL may have restarted since the last check
    result = Integrity(acknowledged=len(acks))
    records = {r["reference"]: r for r in SearchRecord.objects.values("reference", "status", "findings")}
    result.records = len(records)
    transitions: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in (Transition.objects.order_by("at", "id")
                .values("record__reference", "action", "from_status", "to_status", "actor__username")):
        transitions[str(row["record__reference"])].append(row)
    events: dict[str, Counter[str]] = defaultdict(Counter)
    for object_id, action in AuditEvent.objects.filter(object_type="record").values_list("object_id", "action"):
        events[object_id][action] += 1

    for ack in acks:
        record = records.get(ack.reference)
        problem = ""
        if record is None:
            problem = "no such record"
        elif STATUS_RANK.get(str(record["status"]), -1) < STATUS_RANK[WRITE_STATUS[ack.op]]:
            problem = f"status {record['status']}"
        elif ack.op == "patch" and record["findings"] != ack.value:
            problem = "the changed answer is not there"
        elif WRITE_TRANSITION[ack.op] and not any(
            t["action"] == WRITE_TRANSITION[ack.op] and (ack.op == "create" or t["actor__username"] == ack.actor)
            for t in transitions[ack.reference]
        ):
            problem = f"no {WRITE_TRANSITION[ack.op]} transition"
        elif not events[ack.reference][WRITE_AUDIT_ACTION[ack.op]]:
            problem = f"no {WRITE_AUDIT_ACTION[ack.op]} audit event"
        if problem:
            result.lost.append(f"{ack.op} {ack.reference} by {ack.actor}: {problem}")

    for reference, record in records.items():
        chain = transitions.get(reference, [])
        if not chain or chain[0]["action"] != "create":
            result.half_written.append(f"{reference}: no create transition")
        elif not events[reference]["record.create"]:
            result.half_written.append(f"{reference}: no record.create audit event")
        elif any(later["from_status"] != earlier["to_status"] for earlier, later in pairwise(chain)):
            result.half_written.append(f"{reference}: transitions do not follow one another")
        elif chain[-1]["to_status"] != record["status"]:
            result.half_written.append(f"{reference}: status {record['status']} but last transition to "
                                       f"{chain[-1]['to_status']}")
    acknowledged_creates = {a.reference for a in acks if a.op == "create"}
    result.unacknowledged_saves = len(set(records) - acknowledged_creates)
    return result


EXCEPTION_LINE = re.compile(r"^([a-z_][\w.]*\.)?[A-Z]\w*(Error|Exception|Deadlock\w*)\b.*$")


def server_errors(server: Gunicorn, top: int = 5, since: int = 0) -> list[str]:
    """The exceptions in the server's log (from byte `since`), most frequent first.

    Today's code shows "deadlock detected" here under concurrent writes.
    """
    found: Counter[str] = Counter()
    with server.log_path.open("rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    for line in text.splitlines():
        # Django re-raises the driver's error as its own: count it once.
        if EXCEPTION_LINE.match(line.strip()) and not line.startswith(("psycopg2.", "psycopg.")):
            found[line.strip()[:160]] += 1
    return [f"{count} × {line}" for line, count in found.most_common(top)]


def cleanup_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
