import datetime

import pytest
from django.urls import reverse

from reports.models import Indicator, Metric, Plan, Target


@pytest.mark.parametrize("model", ["plan", "indicator", "target"])
def test_admin_pages_open(client, admin_user, model):
    plan = Plan.objects.create(name="計画", municipality="日向市", start_fy=2021, end_fy=2025)
    indicator = Indicator.objects.create(plan=plan, name="累計", metric=Metric.CUMULATIVE_UNIQUE)
    target = Target.objects.create(
        indicator=indicator,
        value=900,
        target_date=datetime.date(2026, 3, 31),
        baseline_date=datetime.date(2021, 4, 1),
    )
    pk = {"plan": plan.pk, "indicator": indicator.pk, "target": target.pk}[model]
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:reports_{model}_changelist"), {"q": "計"}).status_code == 200
    assert client.get(reverse(f"admin:reports_{model}_change", args=[pk])).status_code == 200
