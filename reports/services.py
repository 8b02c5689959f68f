"""Reports' state changes: background exports (requested from the page, built by a q2 task)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports import exports, queries
from reports.models import Export, ExportFormat, Plan

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A prepared export file is kept in its row this long, then removed by a daily task: the
# figures can be exported again at any time, and the rows would otherwise grow without end.
EXPORT_KEEP_DAYS = 14


class ReportError(Exception):
    """A report request that cannot be done; the message is fit to show."""


def export_request(*, plan_id: int, fiscal_year: int, fmt: str, user: User) -> Export:
    """Queue an export of the plan's report; the q2 task runs once the row is committed."""
    from django_q.tasks import async_task

    if fmt not in ExportFormat.values:
        raise ReportError(_("Choose CSV, Excel or PDF."))
    with transaction.atomic():
        plan = Plan.objects.get(pk=plan_id)
        export = Export.objects.create(
            plan=plan,
            fiscal_year=fiscal_year,
            format=fmt,
            created_by=user,
            filename=exports.filename(plan, fiscal_year, fmt),
        )
        # `sync` read when queued (django-q2 reads its settings once, at import): tests and
        # single-process setups set Q_CLUSTER["sync"] and the export is built at once.
        sync = settings.Q_CLUSTER.get("sync", False)
        transaction.on_commit(
            lambda: async_task("reports.tasks.build_export", export.pk, sync=sync)
        )
    return export


def _progress(export_id: int, percent: int, **fields: Any) -> None:
    Export.objects.filter(pk=export_id).update(progress=percent, **fields)


def export_build(*, export_id: int, base_url: str, today: datetime.date | None = None) -> Export:
    """Build the file of a queued export. Safe to run again: a finished export is left alone."""
    claimed = Export.objects.filter(
        pk=export_id, status__in=[Export.Status.QUEUED, Export.Status.FAILED]
    ).update(status=Export.Status.RUNNING, progress=5, error="")
    if not claimed:
        return Export.objects.get(pk=export_id)
    export = Export.objects.select_related("plan").get(pk=export_id)
    try:
        today = today or timezone.localdate()
        dash = queries.dashboard(export.plan, fy=export.fiscal_year, today=today)
        _progress(export_id, 60)
        content = exports.render_export(dash, export.format, base_url=base_url)
    except Exception as error:  # noqa: BLE001 - recorded on the row, shown to the user
        _progress(
            export_id,
            0,
            status=Export.Status.FAILED,
            error=str(error)[:300],
            finished_at=timezone.now(),
        )
        raise
    _progress(
        export_id, 100, status=Export.Status.DONE, content=content, finished_at=timezone.now()
    )
    export.refresh_from_db()
    return export


def exports_prune(
    *, now: datetime.datetime | None = None, keep_days: int = EXPORT_KEEP_DAYS
) -> int:
    """Delete exports requested more than `keep_days` ago, whatever became of them."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=keep_days)
    deleted, _by_model = Export.objects.filter(created_at__lt=cutoff).delete()
    return deleted
