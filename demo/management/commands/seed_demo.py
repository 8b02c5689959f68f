import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from classes.models import Session
from demo.seed import (
    DEMO_PASSWORD,
    DEMO_USERS,
    MUNICIPALITY_NAME,
    PRACTICE_TITLE,
    RANDOM_SEED,
    seed_demo,
)


class Command(BaseCommand):
    help = (
        f"Load demo data for {MUNICIPALITY_NAME}: logins, venues, a fiscal year of sessions, "
        "residents and bookings. Safe to run again: existing demo data is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--small",
            action="store_true",
            help="Fewer residents and bookings only near today (for tests).",
        )
        parser.add_argument("--seed", type=int, default=RANDOM_SEED, help="Random seed.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run with DEBUG off too (it creates a superuser with a published password).",
        )

    def handle(self, *args, small, seed, force, **options):
        if not settings.DEBUG and not force:
            # DEBUG off is production: the demo's logins (a superuser among them) have their
            # password printed in the README.
            raise CommandError(
                "seed_demo creates demo logins with a published password (a superuser among "
                "them) and is for development: DEBUG is off, so this looks like production. "
                "Run it with DEBUG=1, or with --force on a database that is surely not "
                "production."
            )
        started = time.monotonic()
        result = seed_demo(small=small, seed=seed)
        if result.created:
            summary = ", ".join(f"{name} {count}" for name, count in result.counts.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded in {time.monotonic() - started:.1f} s: {summary}"
                )
            )
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self._print_logins()
        practice = Session.objects.filter(
            course__title=PRACTICE_TITLE, starts_at__date=timezone.localdate()
        ).first()
        if practice:
            self.stdout.write(
                f"\nScanner practice today (log in as venue, on a phone-sized window): "
                f"/venue/sessions/{practice.pk}/ — tickets at /desk/bookings/<number>/ticket.pdf"
            )

    def _print_logins(self):
        rows = [("role", "username", "password", "what to try")]
        rows += [
            (spec.role or "superuser", spec.username, DEMO_PASSWORD, spec.what_to_try)
            for spec in DEMO_USERS
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("\nDemo logins (development only):")
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
