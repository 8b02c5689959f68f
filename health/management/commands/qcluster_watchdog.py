import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from health.apps import ensure_schedules
from health.watchdog import Watchdog


class Command(BaseCommand):
    help = (
        "Runs `manage.py qcluster` and starts it again when it exits, or when its heartbeat is "
        "older than HEARTBEAT_STALE_SECONDS (it has stalled). Run this, not qcluster, under "
        "systemd or `make run`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check-every", type=float, default=15.0, help="seconds between heartbeat checks"
        )
        parser.add_argument(
            "--stop-grace",
            type=float,
            default=30.0,
            help="seconds a stopping cluster is given to finish its tasks before it is killed",
        )

    def handle(
        self, *args: object, check_every: float, stop_grace: float, **options: object
    ) -> None:
        ensure_schedules()  # without its heartbeat a healthy cluster would be restarted
        watchdog = Watchdog(
            check_every=check_every,
            stop_grace=stop_grace,
            stale_after=settings.HEARTBEAT_STALE_SECONDS,
        )
        signal.signal(signal.SIGTERM, watchdog.stop)
        signal.signal(signal.SIGINT, watchdog.stop)
        watchdog.run()
