"""Fifty practitioners and five managers at once against gunicorn on PostgreSQL; then check nothing was lost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/benchload .venv/bin/python bench/load.py [--seconds 60] [--users 55]

The database named in DATABASE_URL is the bench's own: it is DROPPED AND CREATED AGAIN at the start without asking
(its name must contain "bench"), then migrated. Needs a role that may create databases (the default postgres).
If SEARCHLOG_APP_DATABASE_URL is set, gunicorn connects with it (the app's role) while the set-up keeps DATABASE_URL.
Celery tasks go to CELERY_BROKER_URL if set (nothing consumes them), else to a filesystem broker in a temp folder.

gunicorn serves config.wsgi (4 workers × 4 threads, gthread, DEBUG off) on a free local port. Users are made in
5 teams, one manager each; each gets an API token from POST /api/v1/auth/token/. For --seconds, every practitioner
loops create → PATCH an answer → submit, and every manager reads the review queue and signs off what is in it
(409 from a race is counted, not an error). Every acknowledged (2xx) write is then compared with the database, the
audit trail is sealed (when the app has `seal_audit_trail`; its `--follow` mode runs beside the load when it has one)
and `verify_audit_trail` is run. Prints req/s, p50/p95/p99 per operation, responses by status, lost writes and the
verification, each beside its target; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

TEAMS = 5
TARGET_RATE = 150.0
TARGET_P95_MS = 250.0
OPS = ("create", "patch", "submit", "queue", "sign_off")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long the load runs (default 60)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds each user pauses before each request (default 0: a closed loop at full speed; "
                             "with 55 users and no pause, mean latency is 55 / throughput by Little's law)")
    parser.add_argument("--users", type=int, default=55,
                        help="practitioners and managers together; one manager per team of 5 (default 55)")
    args = parser.parse_args()
    setup_url = os.environ.get("DATABASE_URL", "")
    if not setup_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of the bench's own, e.g. "
                 "postgres://postgres@127.0.0.1:5432/benchload")
    managers = min(TEAMS, max(1, args.users // 11))
    practitioners = max(1, args.users - managers)

    harness.recreate_database(setup_url)
    harness.setup_django()
    work = Path(tempfile.mkdtemp(prefix="searchlog-bench-load-"))
    env = harness.app_env(setup_url, work)
    server = sealer = None
    try:
        commands = harness.prepare_schema(setup_url, env)
        people, bosses = harness.make_people(managers, practitioners)
        server = harness.Gunicorn(env, work)
        server.wait_ready()
        harness.get_tokens(server.port, people + bosses)
        sealer = harness.Sealer(env, work)
        print(f"load: {practitioners} practitioners and {managers} managers in {managers} teams for "
              f"{args.seconds:.0f}s against gunicorn (4 workers × 4 threads, gthread) on PostgreSQL "
              f"{harness.database_name(setup_url)}; sealer beside it: {'yes' if sealer.process else 'no'}; "
              f"think time {args.think:g}s before each request",
              flush=True)
        recorder = harness.Recorder()
        load = harness.Load(server.port, people, bosses, recorder, think=args.think)
        load.start()
        load.stop_event.wait(args.seconds)
        load.stop()
        sealer.stop()
        report(recorder, load, args.seconds, server, env, commands)
    finally:
        if sealer is not None:
            sealer.stop()
        if server is not None:
            server.stop()
        harness.cleanup_dir(work)


def report(recorder: harness.Recorder, load: harness.Load, seconds: float, server: harness.Gunicorn,
           env: dict[str, str], commands: set[str]) -> None:
    samples = recorder.samples
    statuses = harness.status_counts(samples)
    answered = sum(count for status, count in statuses.items() if status)
    within = harness.answered_within(samples, load.started, load.started + seconds)
    rate = within / seconds
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    conflicts = statuses.get(409, 0)
    lines, p95s = harness.latency_table(samples, OPS)
    worst_p95 = max((v for v in p95s.values() if v == v), default=float("nan"))  # v == v: not NaN

    print(f"\nrequests answered in the {seconds:.0f}s: {within} = {rate:.1f} req/s   target ≥ {TARGET_RATE:.0f}   "
          f"{harness.verdict(rate >= TARGET_RATE)}   (all: {answered}, the last ones in flight when it ended "
          f"took {load.stopped - load.started - seconds:.1f}s more)")
    print("latency per operation (answered requests):")
    print("\n".join(lines))
    print(f"worst p95: {worst_p95:.0f} ms   target ≤ {TARGET_P95_MS:.0f} ms   "
          f"{harness.verdict(worst_p95 <= TARGET_P95_MS)}")
    print("responses by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()) if k))
    print(f"responses ≥ 500: {server_errors} ({server_errors / max(answered, 1):.1%})   target 0   "
          f"{harness.verdict(server_errors == 0)}")
    for line in harness.server_errors(server):
        print(f"    {line}")
    print(f"409 conflicts (a race with another reviewer; expected, not errors): {conflicts}")
    unanswered = sum(recorder.connection_errors.values())
    print(f"requests with no answer (connection errors): {unanswered}"
          + (f" ({dict(recorder.connection_errors)})" if unanswered else ""))

    integrity = harness.check_integrity(recorder.acks)
    print("\n".join(integrity.lines()))
    verified, said = harness.seal_and_verify(env, commands)
    print(f"audit trail: {said}   {harness.verdict(verified)}")

    met = (rate >= TARGET_RATE and worst_p95 <= TARGET_P95_MS and server_errors == 0 and not integrity.lost
           and not integrity.half_written and verified)
    print(f"\nall targets {'met' if met else 'NOT met'}")
    if not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
