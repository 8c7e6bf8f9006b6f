"""Prints where the local demo portal runs and how to sign in (shown by `make run`)."""
from django.core.management.base import BaseCommand

from pronoia.demo.staff import demo_staff_user_ensure


class Command(BaseCommand):
    help = "Ensure the demo staff account exists and print how to reach and sign in to the local portal."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port: int, **options):
        username, password = demo_staff_user_ensure()
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(
            f"\nPronoia is starting on {base}\n"
            f"  Citizen (demo sign-in):  {base}/demo/sign-in  – search and pick any synthetic person\n"
            f"  Staff back office:       {base}/admin/  – user {username}, password {password}\n"
            "  (every person in the demo is synthetic; the password is kept in var/demo_staff_password)\n"
            "Stop with Ctrl+C.\n"
        )
