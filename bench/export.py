"""Benchmark the streamed CSV export against PostgreSQL's COPY of the same query.

    createdb -h 127.0.0.1 -U postgres benchexport
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/benchexport .venv/bin/python bench/export.py [--rows 200000]

Builds the rows with COPY FROM (one team, one practitioner), then exports them as an auditor through the app's own
code (searchlog.exports.searches_csv and the StreamingHttpResponse the view returns, written to /dev/null), in a fresh
process so that its memory is measured alone, in turns with `COPY (the same SELECT) TO STDOUT WITH CSV` into a null
sink as the physical limit (--rounds times each, best counts: the machine may be shared). Prints rows/s for both,
their ratio (target: at least 30% of COPY) and the export's peak memory (target: under 200 MB).
Use a database of its own: the rows are deleted at the end, but the bench users stay (the audit trail holds their
export events, and it cannot be deleted).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from searchlog import exports  # noqa: E402
from searchlog.models import Role, SearchRecord, Team, User  # noqa: E402

TEAM = "Bench exports"
PRACTITIONER = "bench-practitioner"
AUDITOR = "bench-auditor"
TARGET_RATIO = 0.30
TARGET_PEAK_MB = 200

COLUMNS = [
    "reference", "status", "is_justified", "practitioner_id", "team_id", "created_at", "updated_at", "submitted_at",
    "signed_off_at", "is_quick_record", "revision", "reviewer_involved", "subject_reference", "subject_initials",
    "searched_at", "platforms", "platforms_other", "search_terms", "content_visibility", "purpose", "consent_status",
    "consent_details", "is_emergency", "emergency_category", "justification", "collateral_intrusion", "account_used",
    "interaction", "lawful_basis", "special_category_condition", "findings", "actions_taken",
    "actions_taken_details", "information_retained",
]
PLATFORMS = [["facebook"], ["search_engine", "news"], ["instagram", "tiktok"], ["other"], ["linkedin"]]
CONSENT = ["obtained_written", "obtained_verbal", "refused", "not_sought_emergency", "not_possible"]


def _people() -> tuple[Team, User, User]:
    team, _ = Team.objects.get_or_create(name=TEAM)
    practitioner, _ = User.objects.get_or_create(
        username=PRACTITIONER, defaults={"team": team, "first_name": "Bench", "last_name": "Practitioner"})
    auditor, _ = User.objects.get_or_create(username=AUDITOR, defaults={"role": Role.AUDITOR, "team": None})
    return team, practitioner, auditor


def _row(n: int, practitioner: User, team: Team, now: datetime, rng: random.Random) -> list[object]:
    searched = now - timedelta(days=rng.randrange(0, 730), minutes=rng.randrange(0, 1440))
    created = searched + timedelta(hours=rng.choice([0, 1, 2, 30, 80]))
    status = rng.choices(["signed_off", "submitted", "draft"], weights=[70, 20, 10])[0]
    consent = rng.choice(CONSENT)
    emergency = consent == "not_sought_emergency"
    platforms = rng.choice(PLATFORMS)
    return [
        f"OS-1999-{n:07d}", status, status != "draft", practitioner.pk, team.pk, created, created,
        created + timedelta(hours=1) if status != "draft" else None,
        created + timedelta(days=2) if status == "signed_off" else None, False, int(status != "draft"), False,
        f"LAS-{rng.randrange(20000):06d}", "AB" if n % 3 else "", searched, json.dumps(platforms),
        "A local forum" if "other" in platforms else "",
        "Public profile found by name and town; looked at recent posts and the friends list." * (1 + n % 2),
        rng.choice(["public", "public", "restricted", "both"]),
        "Check a report that the person had moved in with a new partner who may pose a risk to the children.",
        consent, "Signed consent form on the case file, 3 March." if consent.startswith("obtained") else "",
        emergency, "risk_to_life" if emergency else "",
        "" if consent.startswith("obtained") else "-Police asked for a welfare check tonight; no other way to locate.",
        "Photos of friends seen; not recorded.", rng.choice(["org_account_org_device", "personal_device"]),
        rng.choice(["viewed_only", "viewed_only", "interacted"]), "public_task", "",
        "The person appears to be living at the new address, with the partner. Accuracy checked with the school. "
        "No evidence of risk in what was public. =SUM(A1) appears here to test neutralising.",
        json.dumps(["case_file", "strategy_meeting"]), "", "One screenshot, saved to the case file and deleted.",
    ]


def build(count: int) -> tuple[Team, User]:
    """Delete earlier bench rows; write `count` new ones with COPY FROM, in batches."""
    team, practitioner, auditor = _people()
    table = SearchRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE team_id = %s", [team.pk])
    rng, now, batch = random.Random(1), datetime.now(UTC) - timedelta(days=1), 20_000
    started = time.perf_counter()
    for first in range(0, count, batch):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for n in range(first, min(first + batch, count)):
            writer.writerow(["\\N" if v is None else v for v in _row(n + 1, practitioner, team, now, rng)])
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    print(f"built {count:,} records in {time.perf_counter() - started:.1f} s")
    return team, auditor


def _export_once(auditor: User) -> tuple[int, int, float]:
    """The app's CSV export as the view sends it, written to /dev/null: (rows, bytes, seconds)."""
    started = time.perf_counter()
    export = exports.searches_csv(user=auditor, filters={})
    response = exports.as_response(export)
    size = 0
    with open(os.devnull, "wb") as sink:
        for chunk in response.streaming_content:
            sink.write(chunk)
            size += len(chunk)
    response.close()
    return export.rows, size, time.perf_counter() - started


def _peak_rss_kb() -> int:
    """This process's peak resident memory (VmHWM: ru_maxrss would include the parent's, from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(rounds: int) -> None:
    """Run in a fresh process: the app's export and COPY in turns (best of `rounds` each, as the machine is shared),
    peak RSS around the first export, then one more export under tracemalloc for its Python peak."""
    auditor = User.objects.get(username=AUDITOR)
    exports.export_rows(auditor, {}).exists()  # connect and warm up outside the measurement
    rss_before = _peak_rss_kb()
    app, copy = [], []
    for _ in range(rounds):
        rows, size, seconds = _export_once(auditor)
        app.append(seconds)
        if len(app) == 1:
            rss_after = _peak_rss_kb()
        copy_bytes, copy_seconds = copy_limit(auditor)
        copy.append(copy_seconds)
    tracemalloc.start()
    _export_once(auditor)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"rows": rows, "bytes": size, "app_seconds": app, "copy_bytes": copy_bytes,
                      "copy_seconds": copy, "tracemalloc_peak": peak, "rss_before_kb": rss_before,
                      "rss_after_kb": rss_after}))


class NullSink:
    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes | str) -> int:
        self.size += len(data)
        return len(data)


def copy_limit(auditor: User) -> tuple[int, float]:
    """COPY (the export's own SELECT) TO STDOUT WITH CSV into a null sink: (bytes, seconds)."""
    records = exports.export_values(exports.export_rows(auditor, {}))
    sql, params = records.query.sql_with_params()
    sink = NullSink()
    with connection.cursor() as cursor:
        select = cursor.cursor.mogrify(sql, params).decode()
        started = time.perf_counter()
        cursor.cursor.copy_expert(f"COPY ({select}) TO STDOUT WITH CSV HEADER", sink)
        seconds = time.perf_counter() - started
    return sink.size, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3, help="export and COPY this many times each; best counts")
    parser.add_argument("--keep", action="store_true", help="keep the bench rows afterwards")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("bench/export.py needs PostgreSQL: set DATABASE_URL=postgres://…/benchexport", file=sys.stderr)
        return 2
    if args.measure:
        measure(args.rounds)
        return 0
    call_command("migrate", verbosity=0)
    team, _ = build(args.rows)
    try:
        done = subprocess.run(  # noqa: S603 (this same script, in a fresh process)
            [sys.executable, __file__, "--measure", "--rounds", str(args.rounds)], capture_output=True, text=True,
            check=False, env=os.environ)
        if done.returncode:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if not args.keep:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {SearchRecord._meta.db_table} WHERE team_id = %s", [team.pk])
    report(result)
    return 0


def report(result: dict) -> None:
    rows = result["rows"]
    app_seconds, copy_seconds = min(result["app_seconds"]), min(result["copy_seconds"])
    app_rate, copy_rate = rows / app_seconds, rows / copy_seconds
    ratio = app_rate / copy_rate
    peak_mb = result["tracemalloc_peak"] / 2**20
    rss_growth_mb = (result["rss_after_kb"] - result["rss_before_kb"]) / 1024

    def runs(seconds: list[float]) -> str:
        return ", ".join(f"{s:.2f}" for s in seconds)

    print(f"app CSV export: {rows:,} rows, {result['bytes'] / 2**20:.0f} MB, best {app_seconds:.2f} s = "
          f"{app_rate:,.0f} rows/s (runs: {runs(result['app_seconds'])} s)")
    print(f"COPY ... TO STDOUT WITH CSV: {rows:,} rows, {result['copy_bytes'] / 2**20:.0f} MB, best "
          f"{copy_seconds:.2f} s = {copy_rate:,.0f} rows/s (runs: {runs(result['copy_seconds'])} s)")
    print(f"ratio: {ratio:.0%} of COPY (target >= {TARGET_RATIO:.0%}) {'ok' if ratio >= TARGET_RATIO else 'LOW'}")
    print(f"export memory: tracemalloc peak {peak_mb:.1f} MB, peak RSS growth {rss_growth_mb:.1f} MB "
          f"(process from {result['rss_before_kb'] / 1024:.0f} MB; target < {TARGET_PEAK_MB} MB) "
          f"{'ok' if max(peak_mb, rss_growth_mb) < TARGET_PEAK_MB else 'HIGH'}")


if __name__ == "__main__":
    sys.exit(main())
