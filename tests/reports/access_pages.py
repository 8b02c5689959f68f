"""This app's rows of the access matrix (tests/test_access_matrix.py).

PAGES: url name -> (permission, argument key), as in the matrix. `objects` makes what the
URLs need and returns {argument key: value}; `base` holds the matrix's own objects (venue,
session, booking, resident … as primary keys) and `users` the role users.
"""

import datetime

from accounts.access import Perm

PAGES = {
    "reports:plan_list": (Perm.REPORTS_VIEW, None),
    "reports:plan_create": (Perm.REPORTS_EDIT, None),
    "reports:plan_dashboard": (Perm.REPORTS_VIEW, "plan"),
    "reports:plan_edit": (Perm.REPORTS_EDIT, "plan"),
    "reports:indicator_create": (Perm.REPORTS_EDIT, "plan"),
    "reports:plan_export": (Perm.REPORTS_VIEW, "plan"),
    "reports:export_start": (Perm.REPORTS_VIEW, "plan"),  # POST only: GET answers 405
    "reports:opendata_events": (Perm.REPORTS_VIEW, "plan"),
    "reports:opendata_participation": (Perm.REPORTS_VIEW, "plan"),
    "reports:programme": (Perm.REPORTS_VIEW, "plan"),
    "reports:programme_export": (Perm.REPORTS_VIEW, "plan"),
    "reports:indicator_breakdown": (Perm.REPORTS_VIEW, "indicator"),
    "reports:indicator_edit": (Perm.REPORTS_EDIT, "indicator"),
    "reports:target_create": (Perm.REPORTS_EDIT, "indicator"),
    "reports:target_edit": (Perm.REPORTS_EDIT, "target"),
    "reports:target_delete": (Perm.REPORTS_EDIT, "target"),  # POST only: GET answers 405
    "reports:export_detail": (Perm.REPORTS_VIEW, "export"),
    "reports:export_download": (Perm.REPORTS_VIEW, "export"),
}


def objects(*, make, base, users):
    from reports.models import Export, Indicator, Metric, Plan, Target

    plan = Plan.objects.create(
        name="DX推進計画",
        municipality="日向市",
        municipality_code="452068",
        start_fy=2024,
        end_fy=2027,
    )
    indicator = Indicator.objects.create(
        plan=plan, name="スマホ教室受講者（累計）", metric=Metric.CUMULATIVE_UNIQUE
    )
    target = Target.objects.create(
        indicator=indicator,
        value=900,
        target_date=datetime.date(2027, 3, 31),
        baseline_date=datetime.date(2024, 4, 1),
    )
    export = Export.objects.create(
        plan=plan,
        fiscal_year=2025,
        format="csv",
        status=Export.Status.DONE,
        progress=100,
        content=b"\xef\xbb\xbfa,b\r\n",
        filename="kpi.csv",
    )
    return {"plan": plan.pk, "indicator": indicator.pk, "target": target.pk, "export": export.pk}
