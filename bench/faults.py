"""Faults under load: kill gunicorn workers, kill PostgreSQL's postmaster, stop Redis; nothing acknowledged is lost.

    .venv/bin/python bench/faults.py [--users 12] [--seconds 10]

Everything it breaks is its own: a private PostgreSQL (initdb into a temp folder, its own port, trust auth, run as
the postgres user when started as root) and a private Redis (its own port, no persistence) that the app uses as its
Celery broker, never the machine's; DATABASE_URL and the broker settings of the environment are ignored. gunicorn
(config.wsgi, 4 workers × 4 threads, gthread, DEBUG off) serves the app on a free local port; --users people (one
manager per team of up to 10) work as in bench/load.py: practitioners create → PATCH → submit, managers sign off.

Phases, each under load, each followed by the checks:
1. steady: --seconds of load, nothing broken (the baseline).
2. workers killed: kill -9 a gunicorn worker every 5 s for 20 s (gunicorn starts new ones).
3. postmaster killed: kill -9 the private postmaster, start it again (crash recovery), then --seconds more load.
4. Redis stopped: the private Redis down for 20 s, then back, then 5 s more; saves must go on meanwhile (the
   Celery dispatch after commit must not break them).
After each phase, with the load paused: every acknowledged write (of every phase so far) is in the database as
acknowledged; no record is half-written (without its create transition or create audit event, or with a status that
is not its last transition's); the audit trail is sealed (when the app has `seal_audit_trail`) and
`verify_audit_trail` passes. Prints the figures per phase; every process it started is stopped at the end, and the
temp folders removed. Exits 1 when anything was lost, half-written or failed to verify.
"""

from __future__ import annotations

import argparse
import atexit
import glob
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

DATABASE = "benchfaults"
OPS = ("create", "patch", "submit", "queue", "sign_off")
# Settings of the machine's services that must not leak into the private ones.
FOREIGN = ("DATABASE_URL", "SEARCHLOG_APP_DATABASE_URL", "DATABASE_OWNER_URL", "CELERY_BROKER_URL")


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    sys.exit("No PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin/ or on PATH.")


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def children_of(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def can_connect(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temp folder, on its own port, with trust authentication."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="searchlog-bench-pg-"))
        self.data, self.sockets, self.log = self.root / "data", self.root / "sockets", self.root / "postgres.log"
        self.port = harness.free_port()
        self.sockets.mkdir()
        # initdb and postgres refuse to run as root: run them as the postgres user, who then owns the folder.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sockets, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync",
                  "--no-instructions")
        self.started = False

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*self.as_user, str(self.bin / tool), *args], capture_output=True, text=True,
                              check=False, timeout=120)
        if check and done.returncode != 0:
            sys.exit(f"{tool} failed: {done.stdout}{done.stderr}\n{self._log_tail()}")
        return done

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
        except OSError:
            return ""

    def url(self, user: str = "postgres", password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgres://{user}{secret}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self, timeout: float = 60) -> None:
        """pg_ctl start; after a kill -9 the old backends may hold shared memory a moment longer, so try again."""
        deadline = time.monotonic() + timeout
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c max_connections=100"
        while True:
            done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30",
                             "start", check=False)
            if done.returncode == 0:
                self.started = True
                return
            if time.monotonic() > deadline:
                sys.exit(f"private PostgreSQL did not start: {done.stdout}{done.stderr}\n{self._log_tail()}")
            time.sleep(0.5)

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill9(self) -> int:
        """kill -9 the postmaster, and wait for its backends to notice and go (killing them after 15 s)."""
        pid = self.postmaster_pid()
        if pid is None:
            sys.exit("private PostgreSQL has no postmaster.pid")
        backends = children_of(pid)
        os.kill(pid, signal.SIGKILL)
        for left in wait_gone([pid, *backends], 15):
            os.kill(left, signal.SIGKILL)
        wait_gone([pid, *backends], 5)
        return pid

    def stop(self) -> None:
        if self.started and self.postmaster_pid() is not None:
            done = self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "20", "stop", check=False)
            pid = self.postmaster_pid()
            if done.returncode != 0 and pid is not None and alive(pid):
                self.kill9()
        self.started = False
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """redis-server on its own port, nothing saved to disk."""

    def __init__(self, work: Path) -> None:
        self.port = harness.free_port()
        self.work = work
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        redis = shutil.which("redis-server")
        if redis is None:
            sys.exit("No redis-server on PATH.")
        log = (self.work / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [redis, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.work)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while not can_connect(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                sys.exit(f"private Redis did not start (see {self.work / 'redis.log'})")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            harness.stop_group(self.process, grace=5)
            self.process = None


@dataclass
class PhaseResult:
    name: str
    ok: bool
    line: str


class Bench:
    """The running pieces, and the load run in phases with the checks after each."""

    def __init__(self, users: int, seconds: float) -> None:
        self.seconds = seconds
        self.users = users
        self.work = Path(tempfile.mkdtemp(prefix="searchlog-bench-faults-"))
        self.postgres: PrivatePostgres | None = None
        self.redis = PrivateRedis(self.work)
        self.server: harness.Gunicorn | None = None
        self.acks: list[harness.Ack] = []
        self.results: list[PhaseResult] = []

    def set_up(self) -> None:
        for name in FOREIGN:
            os.environ.pop(name, None)
        self.postgres = PrivatePostgres()
        self.postgres.start()
        self.redis.start()
        os.environ["DATABASE_URL"] = self.postgres.url()
        harness.recreate_database(self.postgres.url())
        harness.setup_django()
        commands = harness.manage_commands({**os.environ})
        if "setup_db_roles" in commands:  # then the app connects as its own role, as deployed
            os.environ.update({"SEARCHLOG_APP_PASSWORD": "bench", "SEARCHLOG_OWNER_PASSWORD": "bench",
                               "SEARCHLOG_APP_DATABASE_URL": self.postgres.url("searchlog_app", "bench")})
        self.env = harness.app_env(self.postgres.url(), self.work, broker_url=self.redis.url)
        self.commands = harness.prepare_schema(self.postgres.url(), self.env)
        managers = max(1, (self.users + 10) // 11)
        self.practitioners, self.managers = harness.make_people(managers, max(1, self.users - managers))
        self.server = harness.Gunicorn(self.env, self.work)
        self.server.wait_ready()
        harness.get_tokens(self.server.port, self.practitioners + self.managers)
        print(f"faults: {len(self.practitioners)} practitioners and {len(self.managers)} managers against gunicorn "
              f"(4 workers × 4 threads, gthread); private PostgreSQL {self.postgres.bin.parent.name} on port "
              f"{self.postgres.port}, private Redis on port {self.redis.port}"
              + (f"; app connects as {os.environ['SEARCHLOG_APP_DATABASE_URL'].split('@')[0].split('//')[1]}"
                 if os.environ.get("SEARCHLOG_APP_DATABASE_URL") else ""), flush=True)

    def tear_down(self) -> None:
        for stop in (self.server.stop if self.server else None, self.redis.stop,
                     self.postgres.stop if self.postgres else None):
            if stop is not None:
                try:
                    stop()
                except Exception as error:  # noqa: BLE001 - stop the others whatever happens to one
                    print(f"while stopping: {error!r}", file=sys.stderr)
        self.server = self.postgres = None
        harness.cleanup_dir(self.work)

    def phase(self, name: str, fault: Callable[[harness.Load], str]) -> None:
        """Run the load while `fault` does its damage (it returns what it did), then pause the load and check."""
        assert self.server is not None
        recorder = harness.Recorder()
        load = harness.Load(self.server.port, self.practitioners, self.managers, recorder)
        log_from = self.server.log_size()
        load.start()
        did = fault(load)
        seconds = load.stop()
        self.acks.extend(recorder.acks)
        statuses = harness.status_counts(recorder.samples)
        answered = sum(v for k, v in statuses.items() if k)
        # 503 is the app saying "the database is out of reach, try again" (with Retry-After): expected while
        # PostgreSQL is down, and kept apart from real server errors.
        unavailable = statuses.get(503, 0)
        server_errors = sum(v for k, v in statuses.items() if k >= 500) - unavailable
        unanswered = sum(recorder.connection_errors.values())
        lines, _p95 = harness.latency_table(recorder.samples, OPS)
        integrity = harness.check_integrity(self.acks)
        verified, said = harness.seal_and_verify(self.env, self.commands)
        ok = not integrity.lost and not integrity.half_written and verified
        print(f"\n== {name} ({seconds:.1f}s): {did}")
        print(f"requests answered: {answered} ({answered / seconds:.1f} req/s); by status: "
              + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()) if k)
              + f"; errors ≥ 500 other than 503: {server_errors}; 503 (database out of reach): {unavailable}; "
              + f"no answer: {unanswered}"
              + (f" {dict(recorder.connection_errors)}" if unanswered else ""))
        print("\n".join(lines))
        for line in harness.server_errors(self.server, since=log_from):
            print(f"  server log: {line}")
        print(f"acknowledged writes in this phase: {len(recorder.acks)}; checked (all phases so far):")
        print("\n".join(f"  {line}" for line in integrity.lines()))
        print(f"  audit trail: {said}   {harness.verdict(verified)}", flush=True)
        self.results.append(PhaseResult(name, ok, (
            f"{name:<20} {answered / seconds:>7.1f} req/s  5xx but 503: {server_errors:>4}  503: {unavailable:>4}  "
            f"no answer: {unanswered:>4}  "
            f"acked: {len(recorder.acks):>5}  missing: {len(integrity.lost)}  half-written: "
            f"{len(integrity.half_written)}  verify: {'ok' if verified else 'FAILED'}"
        )))

    # The faults: each runs while the load does, and says what it did.

    def steady(self, load: harness.Load) -> str:
        load.stop_event.wait(self.seconds)
        return "nothing broken"

    def kill_workers(self, load: harness.Load) -> str:
        assert self.server is not None
        killed = []
        for _ in range(4):  # every 5 s for 20 s
            pids = self.server.worker_pids()
            if pids:
                pid = random.choice(pids)
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            load.stop_event.wait(5)
        return f"kill -9 of gunicorn workers {', '.join(map(str, killed))} (one every 5 s)"

    def kill_postmaster(self, load: harness.Load) -> str:
        assert self.postgres is not None
        load.stop_event.wait(3)
        down = time.monotonic()
        pid = self.postgres.kill9()
        self.postgres.start()
        seconds_down = time.monotonic() - down
        load.stop_event.wait(self.seconds)
        return (f"kill -9 of the postmaster (pid {pid}); started again (crash recovery) after {seconds_down:.1f}s; "
                f"then {self.seconds:.0f}s more load")

    def stop_redis(self, load: harness.Load) -> str:
        load.stop_event.wait(3)
        self.redis.stop()
        stopped = time.perf_counter()
        load.stop_event.wait(20)
        started = time.perf_counter()
        self.redis.start()
        load.stop_event.wait(5)
        down = [s for s in load.recorder.samples if stopped <= s.done_at <= started]
        saved = [s for s in down if s.op in ("create", "patch", "submit", "sign_off") and 200 <= s.status < 300]
        submits = [s.seconds * 1000 for s in down if s.op == "submit" and s.status == 200]
        return (f"private Redis (the Celery broker) stopped for {started - stopped:.0f}s, then started again; "
                f"while it was down: {len(saved)} writes acknowledged, of which {len(submits)} submits (each "
                f"dispatches a Celery task after commit; slowest {max(submits, default=0):.0f} ms), "
                f"{sum(1 for s in down if s.status >= 500)} responses ≥ 500")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=12,
                        help="practitioners and managers together, one manager per team of up to 10 (default 12)")
    parser.add_argument("--seconds", type=float, default=10,
                        help="load before the first fault and after the postmaster's restart (default 10)")
    args = parser.parse_args()
    bench = Bench(args.users, args.seconds)
    atexit.register(bench.tear_down)
    # A TERM (timeout, CI) unwinds through the finally below too, so nothing private is left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        bench.set_up()
        bench.phase("steady", bench.steady)
        bench.phase("workers killed", bench.kill_workers)
        bench.phase("postmaster killed", bench.kill_postmaster)
        bench.phase("Redis stopped", bench.stop_redis)
    finally:
        bench.tear_down()
    print("\nper phase (checks cumulative):")
    for result in bench.results:
        print(f"  {result.line}")
    failed = [r.name for r in bench.results if not r.ok]
    print("nothing lost, nothing half-written, the chain verifies after every phase" if not failed
          else f"FAILED after: {', '.join(failed)}")
    if failed or len(bench.results) < 4:
        sys.exit(1)


if __name__ == "__main__":
    main()
