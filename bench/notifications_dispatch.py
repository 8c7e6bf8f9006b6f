"""Notification dispatch benchmark: end-to-end throughput from enqueue to final status.

    .venv/bin/python bench/notifications_dispatch.py --messages 20000 --huey redis
    .venv/bin/python bench/notifications_dispatch.py --messages 20000 --huey sqlite
    .venv/bin/python bench/notifications_dispatch.py --huey redis --database-url postgresql://postgres@127.0.0.1:5432/pronoia_bench_notify

What is timed: `campaign_enqueue` creating N notifications (N/2 people × e-mail and SMS, or one
channel with --channels) and enqueuing their dispatch tasks, Huey consumers (`pronoia run_huey`,
separate processes) running `notifications_dispatch`, the adapters speaking SMTP and HTTP to the
local simulators (separate processes), the SMS gateway's signed receipts coming back to the portal
(uvicorn), until every notification is final (delivered). People and templates are created
before the clock starts. Everything runs on this machine's loopback; the figures are only as good
as the machine is quiet (the load average is printed).

Huey storage: --huey redis (REDIS_URL, default redis://127.0.0.1:6379/14: a database of its own,
flushed first) or sqlite (a file next to the database). The database: a SQLite file in
bench/out/notifications by default, or --database-url (a PostgreSQL database that this script
drops and creates). --profile runs one batch of each channel in one process under cProfile instead.

Prints one JSON line per run: notifications/s, seconds, the simulators' duplicate counts.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pronoia.notifications.testing import DeliveryRig, delivery_simulators_start  # noqa: E402

TARGET_PER_SECOND = 1000


def _database_fresh(url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}"')


PROFILE = """
import cProfile, io, pstats, time
from pronoia.notifications.models import Notification
from pronoia.notifications.services import notifications_dispatch
for channel in {channels!r}:
    ids = list(Notification.objects.filter(channel=channel, status="created").order_by("pk").values_list("pk", flat=True)[:{batch}])
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    notifications_dispatch(notification_ids=ids)
    profile.disable()
    print(f"== {{channel}}: {{len(ids)}} in {{time.perf_counter() - started:.2f}} s ==")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
    print(out.getvalue())
"""


def run(args, huey: str) -> dict:
    directory = ROOT / "bench" / "out" / "notifications" / huey
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    simulators = delivery_simulators_start(directory / "simulators")
    rig = None
    try:
        simulators.reset()
        database_url = args.database_url
        if database_url:
            _database_fresh(database_url)
        # The production lease (the rig's own default is short, for the crash tests).
        extra = {"PRONOIA_NOTIFY_BATCH_SIZE": str(args.batch), "PRONOIA_SMS_CONCURRENCY": str(args.concurrency), "PRONOIA_NOTIFY_LEASE_SECONDS": str(args.lease)}
        rig = DeliveryRig.create(directory, simulators, database_url=database_url, redis_url=args.redis_url if huey == "redis" else "", extra_env=extra)
        channels = args.channels.split(",")
        persons = args.messages // len(channels)
        rig.python(f"from pronoia.notifications.testing import rig_people_seed; rig_people_seed(persons={persons}, channels={channels!r})")
        if "sms" in channels:
            rig.portal_start()
        if huey == "redis":
            rig.python("from huey.contrib.djhuey import HUEY; HUEY.flush()")
        if args.profile:
            rig.python(f"from pronoia.notifications.testing import rig_campaign_start; rig_campaign_start(channels={channels!r}, enqueue=False)")
            print(rig.python(PROFILE.format(channels=channels, batch=args.batch)))
            return {}
        for _ in range(args.consumers):
            rig.worker_start("run_huey", "--workers", str(args.workers), "--worker-type", "thread", "--no-periodic")
        time.sleep(3)  # the consumers import Django and connect before the clock starts
        load = os.getloadavg()[0]
        # The clock starts in the child, after Django's start-up, right before the campaign is enqueued.
        counts = json.loads(rig.python(
            "import json, time; from pronoia.notifications.testing import rig_campaign_start\n"
            f"started = time.time(); counts = rig_campaign_start(channels={channels!r}); counts['started'] = started; counts['enqueued'] = time.time()\n"
            "print(json.dumps(counts))"
        ).strip().splitlines()[-1])
        started = counts["started"]
        total = counts["created"]
        swept = time.time()
        while rig.not_final():
            if time.time() - started > args.timeout:
                raise RuntimeError(f"not final after {args.timeout} s: {rig.statuses()}")
            if time.time() - swept >= 60:  # the periodic sweep, every minute as in production
                rig.python("from pronoia.notifications.tasks import sweep_run; sweep_run()")
                swept = time.time()
            time.sleep(0.1)
        elapsed = time.time() - started
        enqueued = counts["enqueued"]
        statuses = rig.statuses()
        smtp, sms = simulators.smtp.state(), simulators.sms.state()
        return {
            "huey": huey,
            "database": "postgresql" if database_url else "sqlite",
            "channels": channels,
            "notifications": total,
            "consumers": args.consumers,
            "threads_per_consumer": args.workers,
            "batch": args.batch,
            "lease_seconds": args.lease,
            "seconds": round(elapsed, 1),
            "enqueue_seconds": round(enqueued - started, 1),
            "notifications_per_second": round(total / elapsed, 1),
            "target_per_second": TARGET_PER_SECOND,
            "statuses": statuses,
            "email_duplicates": smtp["duplicates"],
            "sms_duplicates": sms["duplicates"],
            "load_average_at_start": round(load, 2),
        }
    finally:
        if rig is not None:
            rig.stop()
        simulators.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--channels", default="email,sms")
    parser.add_argument("--lease", type=int, default=300, help="PRONOIA_NOTIFY_LEASE_SECONDS (the production default)")
    parser.add_argument("--huey", choices=("redis", "sqlite", "both"), default="both")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--consumers", type=int, default=2, help="Huey consumer processes")
    parser.add_argument("--workers", type=int, default=4, help="threads per consumer")
    parser.add_argument("--batch", type=int, default=200, help="notifications per dispatch task")
    parser.add_argument("--concurrency", type=int, default=8, help="SMS requests in flight per batch")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    for huey in (("redis", "sqlite") if args.huey == "both" else (args.huey,)):
        result = run(args, huey)
        if result:
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
