"""API create against a bare Django view on the same gunicorn: how much of the server's speed the API keeps.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/benchapi .venv/bin/python bench/api.py [--seconds 30]

The database named in DATABASE_URL is the bench's own: it is DROPPED AND CREATED AGAIN at the start without asking
(its name must contain "bench"), then migrated. If SEARCHLOG_APP_DATABASE_URL is set, gunicorn connects with it.

One gunicorn (config.wsgi, 4 workers × 4 threads, gthread, DEBUG off) serves both: the API, and /bench/bare/, a
view that only answers "ok" through the same middleware, switched on for this server by SEARCHLOG_BENCH_BARE_VIEW.
One practitioner with one token keeps --connections (16) connections busy for --seconds with POST /api/v1/searches/
(a complete, justified record), then the same connections for --seconds with GET /bench/bare/. Prints both rates,
their latencies and the ratio; target: the API at least 10% of the bare view. Exits 1 when it is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

TARGET_RATIO = 0.10
WARM_UP_SECONDS = 2.0


Request = Callable[[harness.Client, int], tuple[int, object, float]]


def hammer(port: int, token: str, connections: int, seconds: float, request: Request,
           op: str) -> tuple[harness.Recorder, float]:
    """Keep `connections` clients busy for `seconds` (each sends its next request as soon as one is answered)."""
    recorder = harness.Recorder()
    stop = threading.Event()

    def loop() -> None:
        client = harness.Client(port, token)
        n = 0
        while not stop.is_set():
            n += 1
            status, _body, took = request(client, n)
            recorder.sample(client, op, status, took)
        client.close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(60)
    return recorder, started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="how long each of the two runs lasts (default 30)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    args = parser.parse_args()
    setup_url = os.environ.get("DATABASE_URL", "")
    if not setup_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of the bench's own, e.g. "
                 "postgres://postgres@127.0.0.1:5432/benchapi")

    harness.recreate_database(setup_url)
    harness.setup_django()
    work = Path(tempfile.mkdtemp(prefix="searchlog-bench-api-"))
    env = harness.app_env(setup_url, work, extra={"SEARCHLOG_BENCH_BARE_VIEW": "true"})
    server = None
    try:
        commands = harness.prepare_schema(setup_url, env)
        people, _bosses = harness.make_people(1, 1, managers_per_team=0)
        server = harness.Gunicorn(env, work)
        server.wait_ready()
        harness.get_tokens(server.port, people)
        token = people[0].token
        status, _body, _s = harness.Client(server.port).request("GET", "/bench/bare/")
        if status != 200:
            sys.exit(f"GET /bench/bare/ answered {status}: this checkout does not serve the bench's bare view "
                     "(config/urls.py, SEARCHLOG_BENCH_BARE_VIEW)")

        def create(client: harness.Client, n: int) -> tuple[int, object, float]:
            return client.request("POST", "/api/v1/searches/", harness.justified_body(people[0].username, n))

        def bare(client: harness.Client, n: int) -> tuple[int, object, float]:
            return client.request("GET", "/bench/bare/")

        print(f"api: one practitioner, {args.connections} connections, {args.seconds:.0f}s each against gunicorn "
              f"(4 workers × 4 threads, gthread) on PostgreSQL {harness.database_name(setup_url)}", flush=True)
        rates = {}
        for op, request in (("create", create), ("bare", bare)):
            hammer(server.port, token, args.connections, WARM_UP_SECONDS, request, op)  # connections, caches
            recorder, started = hammer(server.port, token, args.connections, args.seconds, request, op)
            within = harness.answered_within(recorder.samples, started, started + args.seconds)
            rates[op] = within / args.seconds
            lines, _p95 = harness.latency_table(recorder.samples, [op])
            print(f"\n{'API create (POST /api/v1/searches/)' if op == 'create' else 'bare view (GET /bench/bare/)'}: "
                  f"{rates[op]:.1f} req/s")
            print("\n".join(lines))
        ratio = rates["create"] / rates["bare"] if rates["bare"] else 0.0
        print(f"\nAPI create is {ratio:.1%} of the bare view   target ≥ {TARGET_RATIO:.0%}   "
              f"{harness.verdict(ratio >= TARGET_RATIO)}")
        for line in harness.server_errors(server):
            print(f"    server log: {line}")
        verified, said = harness.seal_and_verify(env, commands)
        print(f"audit trail: {said}   {harness.verdict(verified)}")
        if ratio < TARGET_RATIO or not verified:
            sys.exit(1)
    finally:
        if server is not None:
            server.stop()
        harness.cleanup_dir(work)


if __name__ == "__main__":
    main()
