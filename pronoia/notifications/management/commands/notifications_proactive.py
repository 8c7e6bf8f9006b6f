"""`pronoia notifications_proactive [--today YYYY-MM-DD]`: the daily proactive notices (pension age in six months)."""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today: {value!r} is not a date YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Notify people who reach their statutory pension age within six months and have not applied (once each)."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=str, default=None, help="the day to compute from (default: today)")

    def handle(self, *args, today=None, **options):
        from pronoia.notifications.proactive import proactive_pension_age_notify

        result = proactive_pension_age_notify(today=_day(today) if today else None)
        self.stdout.write(f"{result['notified']} person(s) notified for {result['today']}")
