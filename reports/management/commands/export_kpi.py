"""Write a plan's KPI report to a file, for scheduled exports (cron, systemd timers).

    python manage.py export_kpi --plan 3 --fiscal-year 2025 --format xlsx --output kpi.xlsx
    python manage.py export_kpi --plan "日向市DX推進計画" --fiscal-year 2025 --format pdf

Without --output the file is written to the current directory under its usual name.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports import exports, queries
from reports.models import ExportFormat, Plan


class Command(BaseCommand):
    help = "Write a plan's KPI report (CSV, xlsx or PDF) for a fiscal year."

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help="plan id or exact plan name")
        parser.add_argument("--fiscal-year", type=int, required=True, help="e.g. 2025 (令和7年度)")
        parser.add_argument("--format", choices=ExportFormat.values, default=ExportFormat.CSV)
        parser.add_argument("--output", help="file to write (default: kpi-plan<id>-fy<year>.<ext>)")

    def handle(self, *args, plan, fiscal_year, format, output, **options):  # noqa: A002
        found = self._plan(plan)
        if not found.start_fy <= fiscal_year <= found.end_fy:
            raise CommandError(
                f"fiscal year {fiscal_year} is outside the plan ({found.start_fy}–{found.end_fy})"
            )
        dash = queries.dashboard(found, fy=fiscal_year, today=timezone.localdate())
        content = exports.render_export(dash, format, base_url=f"file://{settings.BASE_DIR}/")
        path = Path(output or exports.filename(found, fiscal_year, format))
        path.write_bytes(content)
        self.stdout.write(f"{path} ({len(content)} bytes)")

    def _plan(self, value):
        plans = Plan.objects.all()
        if value.isdigit():
            match = plans.filter(pk=int(value)) or plans.filter(name=value)
        else:
            match = plans.filter(name=value)
        match = list(match[:2])
        if not match:
            raise CommandError(f"no plan {value!r}")
        if len(match) > 1:
            raise CommandError(f"more than one plan is named {value!r}; give its id")
        return match[0]
