"""Tables and charts of a survey, its exports, CSV import and SMS invitations (DX office)."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import Perm, require
from classes.models import Session
from surveys import exports, importer, queries, services
from surveys.forms import UploadForm
from surveys.models import CHOICE_KINDS, ImportBatch, Invitation, Kind, Survey

CHART_COLOURS = ["#1f5fa8", "#d9822b", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41"]


def _survey_or_404(pk):
    survey = Survey.objects.filter(pk=pk).first()
    if survey is None:
        raise Http404
    return survey


def _version(request, survey):
    value = request.GET.get("version", "")
    if value.isdigit() and 1 <= int(value) <= survey.version:
        return int(value)
    return survey.version


@require(Perm.SURVEYS_MANAGE)
def tables(request, pk):
    survey = _survey_or_404(pk)
    version = _version(request, survey)
    questions = queries.questions_of(survey, version)
    question_tables = queries.survey_tables(survey, version, questions)
    choice = [q for q in questions if q.kind in CHOICE_KINDS]
    dimension = request.GET.get("by", "profile")
    if dimension not in queries.DIMENSIONS:
        dimension = "profile"
    cross_question = next(
        (q for q in choice if str(q.pk) == request.GET.get("question", "")),
        next((q for q in choice if q.kind not in (Kind.AGE_BAND, Kind.GENDER)), None),
    )
    cross = queries.crosstab(survey, cross_question, dimension, version) if cross_question else None
    charts = [
        {
            "id": f"chart-{t.question.pk}",
            "labels": [row.label for row in t.rows],
            "values": [row.pct or 0 for row in t.rows],
        }
        for t in question_tables
        if t.question.kind in CHOICE_KINDS
    ]
    texts = queries.free_texts(questions)
    for table in question_tables:
        table.texts = texts.get(table.question.pk, [])
    context = {
        "survey": survey,
        "version": version,
        "versions": list(range(1, survey.version + 1)),
        "tables": question_tables,
        "n": question_tables[0].n if question_tables else 0,
        "choice_questions": choice,
        "cross_question": cross_question,
        "cross": cross,
        "dimension": dimension,
        "dimensions": list(queries.DIMENSIONS.items()),
        "charts": {"charts": charts, "colour": CHART_COLOURS[0]},
    }
    return render(request, "surveys/tables.html", context)


@require(Perm.SURVEYS_MANAGE)
def export(request, pk):
    survey = _survey_or_404(pk)
    version = _version(request, survey)
    public = request.GET.get("public") == "1"
    rows = exports.table_rows(survey, public=public, version=version)
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"survey-{survey.pk}-v{version}-{'public' if public else 'internal'}-{stamp}"
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.as_xlsx(rows, survey.title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(exports.as_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- CSV import ---------------------------------------------------------------------------------


@require(Perm.SURVEYS_MANAGE)
def import_upload_view(request, pk):
    survey = _survey_or_404(pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = importer.import_upload(
                survey=survey, user=request.user, filename=upload.name, content=upload.read()
            )
        except services.SurveyError as error:
            form.add_error("file", error.message)
        else:
            return redirect("surveys:import_batch", pk=batch.pk)
    recent = survey.imports.order_by("-created_at")[:10]
    context = {"survey": survey, "form": form, "recent": recent}
    return render(
        request, "surveys/import_upload.html", context, status=400 if form.errors else 200
    )


def _mapping_from(request, heading, questions):
    valid = {q.key for q in questions}
    mapping = {}
    for index in range(len(heading)):
        key = request.POST.get(f"col_{index}", "")
        if key in valid and key not in mapping.values():
            mapping[str(index)] = key
    return mapping


@require(Perm.SURVEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def import_batch(request, pk):
    batch = ImportBatch.objects.select_related("survey").filter(pk=pk).first()
    if batch is None:
        raise Http404
    survey = batch.survey
    questions = queries.questions_of(survey)
    heading, rows = importer.read_rows(batch)
    mapping = batch.mapping or importer.guess_mapping(heading, questions)
    result, error = None, None
    if request.method == "POST" and not batch.imported_at:
        mapping = _mapping_from(request, heading, questions)
        action = request.POST.get("action", "check")
        if action in ("import", "import_good"):
            try:
                count = importer.import_run(
                    batch_id=batch.pk,
                    user=request.user,
                    mapping=mapping,
                    good_only=action == "import_good",
                )
            except services.SurveyError as failure:
                error = failure.message
            else:
                messages.success(request, _("%(count)s answers were imported.") % {"count": count})
                return redirect("surveys:import_batch", pk=batch.pk)
        if not batch.imported_at:
            batch.mapping = mapping
            batch.save(update_fields=["mapping"])
    if not batch.imported_at and mapping:
        try:
            result = importer.import_check(batch, questions, mapping)
        except services.SurveyError as failure:
            error = failure.message
    columns = [
        {
            "index": index,
            "heading": cell,
            "sample": rows[0][1][index] if rows and index < len(rows[0][1]) else "",
            "chosen": mapping.get(str(index), ""),
        }
        for index, cell in enumerate(heading)
    ]
    context = {
        "survey": survey,
        "batch": batch,
        "columns": columns,
        "questions": questions,
        "result": result,
        "error": error,
        "line_count": len(rows),
    }
    return render(request, "surveys/import_batch.html", context)


# --- SMS invitations ----------------------------------------------------------------------------


@require(Perm.SURVEYS_MANAGE)
def invitations(request, pk):
    """Links for an SMS per attended booking of a session; the message is sent from the
    notifications app (or read out / copied by staff)."""
    survey = _survey_or_404(pk)
    sessions = list(
        Session.objects.filter(Q(surveys=survey) | Q(course__surveys=survey))
        .filter(starts_at__lte=timezone.now())
        .select_related("course", "venue")
        .distinct()
        .order_by("-starts_at")[:30]
    )
    session = next((s for s in sessions if str(s.pk) == request.POST.get("session", "")), None)
    if request.method == "POST" and session is not None:
        made, sent = services.invitations_send(
            survey_id=survey.pk,
            session_id=session.pk,
            user=request.user,
            base_url=request.build_absolute_uri("/"),
        )
        messages.success(
            request,
            _("Links made: %(made)s. SMS queued: %(sent)s.") % {"made": made, "sent": sent},
        )
        return redirect("surveys:invitations", pk=survey.pk)
    made = (
        Invitation.objects.filter(survey=survey)
        .select_related("resident", "booking__session__course", "response")
        .order_by("-created_at", "-pk")[:100]
    )
    context = {"survey": survey, "sessions": sessions, "invitations": made}
    return render(request, "surveys/invitations.html", context)
