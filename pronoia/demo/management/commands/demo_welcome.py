"""Prints where the local demo portal runs and how to sign in (shown by `make run`)."""
from django.conf import settings
from django.core.management.base import BaseCommand

from pronoia.demo.roles import demo_roles_ensure
from pronoia.demo.staff import demo_staff_users_ensure


class Command(BaseCommand):
    help = "Ensure the demo staff accounts exist and print how to reach and sign in to the local portal."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port: int, **options):
        credentials = demo_staff_users_ensure()
        roles = demo_roles_ensure()
        base = f"http://127.0.0.1:{port}"
        lines = [
            "",
            f"Pronoia is starting on {base}",
            "",
            f"Citizens sign in with the demo eID: open {base}/sign-in, choose \"Demo eID\", search any",
            "synthetic person by name or national identifier, pick a level of assurance and sign in.",
            f"(The demo eID provider runs on http://127.0.0.1:{settings.PRONOIA_EID_DEMO_PORT}; every person is synthetic.)",
            f"Your insurance history certificate: {base}/services/ → Insurance history certificate → Apply; it is issued",
            f"at once, sealed with the TEST ONLY PKI (var/pki), and anyone can check it at {base}/verify/.",
            f"Applications are handled by staff at {base}/staff/cases/ (user demo-handler below).",
            f"Every step of an application reaches your inbox ({base}/my/inbox) and the channels you choose at",
            f"{base}/my/notification-preferences (browser notifications: {base}/notifications/push/). E-mails and",
            f"text messages never leave this machine: they land in local simulators, readable at",
            f"{settings.NOTIFICATIONS_EMAIL_TRACKING_URL}/_sim/messages (e-mail) and {settings.NOTIFICATIONS_SMS_GATEWAY_URL}/_sim/messages (SMS).",
            "The assistant on every page answers in English, Greek, Polish, Bulgarian and Russian, says so when it",
            f"does not know, and hands you over to a person: operators answer at {base}/contact/chat/ (user demo-operator1).",
        ]
        if roles:
            lines.append("To try acting for someone or an employer's page, sign in with the demo eID as:")
            lines += [f"  {role.name} ({role.national_id}) – {role.description}" for role in roles]
        lines += [
            "",
            f"Staff sign in at {base}/staff/login (the back office, with 2FA, is {base}/admin/):",
        ]
        for credential in credentials:
            line = f"  user {credential.username}  password {credential.password}  roles {', '.join(credential.roles)}"
            if credential.totp_secret:
                line += f"  TOTP secret {credential.totp_secret} (codes: oathtool --totp -b {credential.totp_secret})"
            lines.append(line)
        lines += ["(the passwords are kept in var/; demo only)", "Stop with Ctrl+C.", ""]
        self.stdout.write("\n".join(lines))
