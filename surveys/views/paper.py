"""Paper entry: desk staff type stacks of paper forms, one grid row per form.

Each row is a small form: option numbers per question ("1", multiple as "1 3" or "13"), free
text as typed. Enter saves the row (htmx swaps in the saved row and a fresh row with the cursor
in its first cell); a wrong number is named next to its cell and the row keeps what was typed.
Without JavaScript the row posts normally and the page comes back.
"""

import datetime

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Perm, require
from classes.models import Session
from surveys import answers, queries, services
from surveys.models import Answer, Channel, Kind, Response, Survey

RECENT_ROWS = 10
SESSION_LOOKBACK = datetime.timedelta(days=120)


def _survey_or_404(pk):
    survey = Survey.objects.filter(pk=pk).exclude(status=Survey.Status.DRAFT).first()
    if survey is None:
        raise Http404
    return survey


@require(Perm.SURVEYS_ENTER)
def paper_list(request):
    surveys = queries.surveys_with_counts().exclude(status=Survey.Status.DRAFT)
    return render(request, "surveys/paper_list.html", {"surveys": surveys})


def _sessions(survey):
    """Past sessions the forms may come from: attached ones and those of attached courses."""
    now = timezone.now()
    return list(
        Session.objects.filter(Q(surveys=survey) | Q(course__surveys=survey))
        .filter(starts_at__lte=now, starts_at__gte=now - SESSION_LOOKBACK)
        .select_related("course", "venue")
        .distinct()
        .order_by("-starts_at")[:60]
    )


def _recent(survey, user):
    """The last rows this user typed for the survey, each with its codes per question."""
    responses = list(
        Response.objects.filter(survey=survey, channel=Channel.PAPER, entered_by=user).order_by(
            "-submitted_at", "-pk"
        )[:RECENT_ROWS]
    )
    cells = {}
    for response_id, key, code, text in Answer.objects.filter(
        response__in=[r.pk for r in responses]
    ).values_list("response_id", "question__key", "option__code", "text"):
        cell = cells.setdefault((response_id, key), [])
        cell.append(str(code) if code is not None else text)
    for response in responses:
        response.cells = cells
    return list(reversed(responses))


def _row_values(questions, data):
    return {q.key: data.get(f"a_{q.key}", "").strip() for q in questions}


def _context(request, survey, questions, *, session, values=None, errors=None):
    start_of_day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    recent = _recent(survey, request.user)
    columns = [
        {
            "number": n,
            "question": q,
            "name": f"a_{q.key}",
            "codes": ", ".join(f"{o.code}={o.label}" for o in q.options.all()),
            "is_text": q.kind == Kind.TEXT,
        }
        for n, q in enumerate(questions, start=1)
    ]
    for row in recent:
        row.values = [" ".join(row.cells.get((row.pk, c["question"].key), [])) for c in columns]
    values = values or {}
    errors = errors or {}
    for column in columns:
        column["value"] = values.get(column["question"].key, "")
        column["error"] = errors.get(column["question"].key)
    return {
        "survey": survey,
        "columns": columns,
        "recent": recent,
        "session": session,
        "sessions": _sessions(survey),
        "today_count": queries.paper_count(survey, user=request.user, since=start_of_day),
        "total_count": queries.paper_count(survey),
        "has_errors": bool(errors),
        "post_url": reverse("surveys:grid", args=[survey.pk])
        + (f"?session={session.pk}" if session else ""),
    }


def _chosen_session(survey, value):
    if not value or not str(value).isdigit():
        return None
    return next((s for s in _sessions(survey) if s.pk == int(value)), None)


@require(Perm.SURVEYS_ENTER)
def grid(request, pk):
    survey = _survey_or_404(pk)
    questions = queries.questions_of(survey)
    session = _chosen_session(survey, request.GET.get("session"))
    if request.method != "POST":
        context = _context(request, survey, questions, session=session)
        return render(request, "surveys/grid.html", context)
    values = _row_values(questions, request.POST)
    raw, unreadable = answers.raw_from_grid(questions, values)
    checked = answers.check_answers(questions, raw)
    errors = {**checked.errors, **unreadable}
    if not any(values.values()):
        errors = {questions[0].key: _("The row is empty.")} if questions else {}
    if not errors:
        try:
            services.response_submit(
                survey=survey,
                questions=questions,
                checked=checked,
                channel=Channel.PAPER,
                user=request.user,
                session=session,
            )
        except services.SurveyError as error:
            errors = {questions[0].key: error.message}
    if errors:
        context = _context(
            request, survey, questions, session=session, values=values, errors=errors
        )
        template = "surveys/_grid_entry.html" if request.htmx else "surveys/grid.html"
        return render(request, template, context, status=400 if not request.htmx else 200)
    if request.htmx:
        context = _context(request, survey, questions, session=session)
        context["saved_row"] = context["recent"][-1] if context["recent"] else None
        return render(request, "surveys/_grid_saved.html", context)
    messages.success(request, _("Saved. Type the next form."))
    return redirect(context_url(survey, session))


def context_url(survey, session):
    url = reverse("surveys:grid", args=[survey.pk])
    return f"{url}?session={session.pk}" if session else url


@require(Perm.SURVEYS_ENTER)
@require_POST
def grid_delete(request, pk):
    response = Response.objects.filter(pk=pk).values("survey_id", "session_id").first()
    if response is None:
        raise Http404
    try:
        services.response_delete(response_id=pk, user=request.user)
    except services.SurveyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The form was removed."))
    url = reverse("surveys:grid", args=[response["survey_id"]])
    if response["session_id"]:
        url += f"?session={response['session_id']}"
    return redirect(url)
