"""KPI pages: plan list, a plan's dashboard, drill-down, editing, exports and open data."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Perm, require
from reports import consultations, exports, opendata, programme, queries
from reports.forms import ExportForm, IndicatorForm, PlanForm, TargetForm
from reports.metrics import satisfaction_breakdowns
from reports.models import Export, ExportFormat, Indicator, Metric, Plan, Target
from reports.services import ReportError, export_request

# Metrics counted over sessions or volunteer shifts, not residents: no breakdown by a
# resident's attributes.
SESSION_METRICS = (
    Metric.SESSIONS_HELD,
    Metric.SEATS_FILLED,
    Metric.VOLUNTEER_ATTENDANCES,
    Metric.VOLUNTEER_HOURS,
)
PERSON_BREAKDOWNS = ("age_band", "gender", "district", "smartphone")
RECENT_EXPORTS = 5


def _today():
    return timezone.localdate()


def _download(content, name, content_type):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _fy(request, plan):
    return queries.chosen_fiscal_year(plan, request.GET.get("fy"), today=_today())


# --- plans and the dashboard ----------------------------------------------------------------


@require(Perm.REPORTS_VIEW)
def plan_list(request):
    plans = Plan.objects.all()  # years shown by the template's fiscal_years filter
    return render(request, "reports/plan_list.html", {"plans": plans})


@require(Perm.REPORTS_VIEW)
def plan_dashboard_view(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    today = _today()
    fy = _fy(request, plan)
    dash = queries.dashboard(plan, fy=fy, today=today)
    context = {
        "plan": plan,
        "dash": dash,
        "fy_choices": queries.fiscal_year_choices(plan, today=today),
        "chart_data": dash.chart_data(),
        "export_form": ExportForm(initial={"fy": fy}),
        "formats": ExportFormat.choices,
        "exports": Export.objects.filter(plan=plan).defer("content")[:RECENT_EXPORTS],
    }
    return render(request, "reports/dashboard.html", context)


@require(Perm.REPORTS_EDIT)
def plan_create(request):
    return _plan_form(request, None)


@require(Perm.REPORTS_EDIT)
def plan_edit(request, pk):
    return _plan_form(request, get_object_or_404(Plan, pk=pk))


def _plan_form(request, plan):
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        plan = form.save()
        messages.success(request, _("The plan was saved."))
        return redirect("reports:plan_dashboard", plan.pk)
    return render(request, "reports/plan_form.html", {"form": form, "plan": plan})


# --- indicators and targets -----------------------------------------------------------------


@require(Perm.REPORTS_EDIT)
def indicator_create(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    return _indicator_form(request, plan, Indicator(plan=plan))


@require(Perm.REPORTS_EDIT)
def indicator_edit(request, pk):
    indicator = get_object_or_404(Indicator.objects.select_related("plan"), pk=pk)
    return _indicator_form(request, indicator.plan, indicator)


def _indicator_form(request, plan, indicator):
    form = IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            indicator = form.save()
        messages.success(request, _("The indicator was saved."))
        if not indicator.targets.exists():
            return redirect("reports:target_create", indicator.pk)
        return redirect("reports:plan_dashboard", plan.pk)
    return render(
        request,
        "reports/indicator_form.html",
        {"form": form, "plan": plan, "indicator": indicator if indicator.pk else None},
    )


@require(Perm.REPORTS_EDIT)
def target_create(request, pk):
    indicator = get_object_or_404(Indicator.objects.select_related("plan"), pk=pk)
    return _target_form(request, indicator, Target(indicator=indicator))


@require(Perm.REPORTS_EDIT)
def target_edit(request, pk):
    target = get_object_or_404(Target.objects.select_related("indicator__plan"), pk=pk)
    return _target_form(request, target.indicator, target)


def _target_form(request, indicator, target):
    form = TargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The target was saved."))
        return redirect("reports:plan_dashboard", indicator.plan_id)
    targets = indicator.targets.all()
    return render(
        request,
        "reports/target_form.html",
        {
            "form": form,
            "indicator": indicator,
            "plan": indicator.plan,
            "target": target if target.pk else None,
            "targets": targets,
        },
    )


@require(Perm.REPORTS_EDIT)
@require_POST
def target_delete(request, pk):
    target = get_object_or_404(Target.objects.select_related("indicator"), pk=pk)
    plan_id = target.indicator.plan_id
    target.delete()
    messages.success(request, _("The target was deleted."))
    return redirect("reports:plan_dashboard", plan_id)


# --- drill-down -----------------------------------------------------------------------------


def breakdowns_for(indicator):
    if indicator.metric == Metric.SATISFACTION:
        return [b for b in queries.BREAKDOWN_ORDER if b in satisfaction_breakdowns()]
    if indicator.metric in SESSION_METRICS:
        return [b for b in queries.BREAKDOWN_ORDER if b not in PERSON_BREAKDOWNS]
    return list(queries.BREAKDOWN_ORDER)


@require(Perm.REPORTS_VIEW)
def indicator_breakdown(request, pk):
    indicator = get_object_or_404(
        Indicator.objects.select_related("plan").prefetch_related("venues", "partners", "topics"),
        pk=pk,
    )
    plan = indicator.plan
    today = _today()
    fy = _fy(request, plan)
    allowed = breakdowns_for(indicator)
    by = request.GET.get("by")
    if by not in allowed:
        by = allowed[0]
    scope = "plan" if request.GET.get("scope") == "plan" else "fy"
    rows = queries.breakdown(indicator, by=by, fy=fy, today=today, scope=scope)
    context = {
        "plan": plan,
        "indicator": indicator,
        "fy": fy,
        "fy_label": queries.fiscal_year_label(fy),
        "fy_choices": queries.fiscal_year_choices(plan, today=today),
        "by": by,
        "by_label": queries.BREAKDOWN_LABELS[by],
        "breakdowns": [(b, queries.BREAKDOWN_LABELS[b]) for b in allowed],
        "scope": scope,
        "rows": rows,
        "as_of": queries.as_of_date(fy, today=today),
        "is_rate": indicator.metric in queries.RATE_METRICS,
        # One person at two venues is one person in each row: the rows add up to more.
        "rows_overlap": indicator.metric in queries.DISTINCT_METRICS
        and by in ("venue", "partner", "category"),
    }
    return render(request, "reports/breakdown.html", context)


# --- exports --------------------------------------------------------------------------------


@require(Perm.REPORTS_VIEW)
def plan_export(request, pk):
    """The report downloaded at once: ?format=csv (default), xlsx or pdf; ?fy=."""
    plan = get_object_or_404(Plan, pk=pk)
    fmt = request.GET.get("format", ExportFormat.CSV)
    if fmt not in ExportFormat.values:
        return HttpResponseNotFound(_("Unknown format."))
    fy = _fy(request, plan)
    dash = queries.dashboard(plan, fy=fy, today=_today())
    content = exports.render_export(dash, fmt, base_url=request.build_absolute_uri("/"))
    return _download(content, exports.filename(plan, fy, fmt), exports.CONTENT_TYPES[fmt])


@require(Perm.REPORTS_VIEW)
def opendata_events(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    fy = _fy(request, plan)
    return _download(
        opendata.events_csv(plan, fy=fy),
        f"event-{plan.municipality_code or plan.pk}-fy{fy}.csv",
        exports.CONTENT_TYPES[ExportFormat.CSV],
    )


@require(Perm.REPORTS_VIEW)
def opendata_participation(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    fy = _fy(request, plan)
    content = opendata.participation_csv(plan, fy=fy, fy_label=queries.fiscal_year_label(fy))
    return _download(content, f"participation-fy{fy}.csv", exports.CONTENT_TYPES[ExportFormat.CSV])


# --- the national programme's report --------------------------------------------------------


@require(Perm.REPORTS_VIEW)
def programme_view(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    today = _today()
    fy = _fy(request, plan)
    context = {
        "plan": plan,
        "report": programme.programme_report(plan, fy=fy, today=today),
        "fy_choices": queries.fiscal_year_choices(plan, today=today),
        "headers": programme.report_headers(),
        "attendees_per_helper": programme.ATTENDEES_PER_HELPER,
    }
    return render(request, "reports/programme.html", context)


@require(Perm.REPORTS_VIEW)
def programme_export(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    fy = _fy(request, plan)
    report = programme.programme_report(plan, fy=fy, today=_today())
    return _download(
        exports.programme_csv(report),
        exports.programme_filename(plan, fy),
        exports.CONTENT_TYPES[ExportFormat.CSV],
    )


@require(Perm.REPORTS_VIEW)
@require_POST
def export_start(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose CSV, Excel or PDF."))
        return redirect("reports:plan_dashboard", plan.pk)
    fy = queries.chosen_fiscal_year(plan, form.cleaned_data["fy"], today=_today())
    try:
        export = export_request(
            plan_id=plan.pk, fiscal_year=fy, fmt=form.cleaned_data["format"], user=request.user
        )
    except ReportError as error:
        messages.error(request, str(error))
        return redirect("reports:plan_dashboard", plan.pk)
    return redirect("reports:export_detail", export.pk)


@require(Perm.REPORTS_VIEW)
def export_detail(request, pk):
    export = get_object_or_404(Export.objects.select_related("plan").defer("content"), pk=pk)
    template = "reports/_export_status.html" if request.htmx else "reports/export_detail.html"
    return render(request, template, {"export": export, "plan": export.plan})


@require(Perm.REPORTS_VIEW)
def export_download(request, pk):
    export = get_object_or_404(Export, pk=pk)
    if export.status != Export.Status.DONE:
        return HttpResponseNotFound(_("This file is not ready yet."))
    return _download(
        bytes(export.content), export.filename, exports.CONTENT_TYPES[ExportFormat(export.format)]
    )


# --- help sessions (デジタル活用相談会) ----------------------------------------------------------


def _consultation_report(request):
    choices = consultations.fiscal_year_choices(today=_today())
    fy = consultations.chosen_fiscal_year(request.GET.get("fy"), choices)
    return consultations.consultation_report(fy=fy, today=_today()), choices


@require(Perm.REPORTS_VIEW)
def consultation_report_view(request):
    report, choices = _consultation_report(request)
    return render(
        request,
        "reports/consultations.html",
        {
            "report": report,
            "fy_choices": choices,
            "resolutions": consultations.resolution_rows(report),
        },
    )


@require(Perm.REPORTS_VIEW)
def consultation_report_csv(request):
    report, _choices = _consultation_report(request)
    return _download(
        consultations.consultation_csv(report),
        consultations.consultation_filename(report.fiscal_year),
        exports.CONTENT_TYPES[ExportFormat.CSV],
    )


@require(Perm.REPORTS_VIEW)
def consultation_report_xlsx(request):
    report, _choices = _consultation_report(request)
    return _download(
        consultations.consultation_xlsx(report),
        consultations.consultation_filename(report.fiscal_year, "xlsx"),
        exports.CONTENT_TYPES[ExportFormat.XLSX],
    )
