"""The DX office builds surveys: list, new (blank or from a template), settings, questions and
options (reorder with up/down buttons). Every change goes through services.py, which makes a
new version first when the current one already has answers."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Perm, require
from surveys import presets, queries, services
from surveys.forms import (
    NewSurveyForm,
    OptionForm,
    QuestionEditForm,
    QuestionForm,
    SurveySettingsForm,
)
from surveys.models import Question, Survey


def _survey_or_404(pk):
    survey = Survey.objects.filter(pk=pk).first()
    if survey is None:
        raise Http404
    return survey


def _question_or_404(pk):
    question = Question.objects.select_related("survey").filter(pk=pk).first()
    if question is None:
        raise Http404
    return question


@require(Perm.SURVEYS_MANAGE)
def survey_list(request):
    form = NewSurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(user=request.user, title=form.cleaned_data["title"])
        except services.SurveyError as error:
            form.add_error("title", error.message)
        else:
            return redirect("surveys:detail", pk=survey.pk)
    context = {
        "surveys": queries.surveys_with_counts(),
        "form": form,
        "templates": [
            (key, spec["label"], spec["title"]) for key, spec in presets.TEMPLATES.items()
        ],
    }
    return render(request, "surveys/list.html", context)


@require(Perm.SURVEYS_MANAGE)
@require_POST
def from_template(request):
    try:
        survey = services.survey_from_template(
            user=request.user, template=request.POST.get("template", "")
        )
    except services.SurveyError as error:
        messages.error(request, error.message)
        return redirect("surveys:list")
    messages.success(
        request, _("The survey was created from the template. Check it, attach it and open it.")
    )
    return redirect("surveys:detail", pk=survey.pk)


@require(Perm.SURVEYS_MANAGE)
def survey_detail(request, pk):
    survey = _survey_or_404(pk)
    form = SurveySettingsForm(request.POST or None, instance=survey, prefix="settings")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.survey_update(
                survey_id=survey.pk,
                user=request.user,
                title=data["title"],
                intro=data["intro"],
                status=data["status"],
                public_link=data["public_link"],
                courses=data["courses"],
                sessions=data["sessions"],
            )
        except services.SurveyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("surveys:detail", pk=survey.pk)
    survey.refresh_from_db()
    context = _detail_context(request, survey, form=form, question_form=QuestionForm())
    return render(request, "surveys/detail.html", context)


def _detail_context(request, survey, *, form, question_form):
    """The survey page: settings form, questions, versions and the public link."""
    public_path = reverse("surveys:answer_public", args=[survey.public_token])
    return {
        "survey": survey,
        "form": form,
        "questions": queries.questions_of(survey),
        "question_form": question_form,
        "versions": queries.versions_with_answers(survey),
        "public_url": request.build_absolute_uri(public_path),
    }


@require(Perm.SURVEYS_MANAGE)
@require_POST
def question_add_view(request, pk):
    survey = _survey_or_404(pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.question_add(
                survey_id=survey.pk,
                user=request.user,
                kind=data["kind"],
                text=data["text"],
                help_text=data["help_text"],
                required=data["required"],
                max_choices=data["max_choices"],
                is_satisfaction=data["is_satisfaction"],
                options=data["option_list"],
            )
        except services.SurveyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The question was added."))
            return redirect("surveys:detail", pk=survey.pk)
    settings_form = SurveySettingsForm(instance=survey, prefix="settings")
    context = _detail_context(request, survey, form=settings_form, question_form=form)
    return render(request, "surveys/detail.html", context, status=400)


def _current(question):
    """The copy of `question` in its survey's current version (after a new version was made)."""
    survey = question.survey
    if question.version == survey.version:
        return question
    current = Question.objects.filter(survey=survey, version=survey.version, key=question.key)
    return current.select_related("survey").first()


@require(Perm.SURVEYS_MANAGE)
def question_edit(request, pk):
    question = _question_or_404(pk)
    current = _current(question)
    if current is None:
        raise Http404
    if current.pk != question.pk:
        return redirect("surveys:question_edit", pk=current.pk)
    question = current
    initial = {
        "text": question.text,
        "help_text": question.help_text,
        "required": question.required,
        "max_choices": question.max_choices,
        "is_satisfaction": question.is_satisfaction,
    }
    form = QuestionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.question_update(
                question_id=question.pk, user=request.user, **form.cleaned_data
            )
        except services.SurveyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("surveys:question_edit", pk=updated.pk)
    context = {
        "survey": question.survey,
        "question": question,
        "options": list(question.options.all()),
        "form": form,
        "option_form": OptionForm(),
    }
    return render(request, "surveys/question.html", context)


def _after_change(request, call, question_pk, back="question"):
    """Run a building service; then back to the (current copy of the) question or survey."""
    try:
        survey = call()
    except services.SurveyError as error:
        messages.error(request, error.message)
        survey = None
    question = Question.objects.select_related("survey").filter(pk=question_pk).first()
    if question is None:
        return redirect("surveys:detail", pk=survey.pk) if survey else redirect("surveys:list")
    if back == "survey":
        return redirect("surveys:detail", pk=question.survey_id)
    current = _current(question)
    if current is None:
        return redirect("surveys:detail", pk=question.survey_id)
    return redirect("surveys:question_edit", pk=current.pk)


@require(Perm.SURVEYS_MANAGE)
@require_POST
def question_move_view(request, pk):
    question = _question_or_404(pk)
    return _after_change(
        request,
        lambda: services.question_move(
            question_id=question.pk, user=request.user, direction=request.POST.get("direction")
        ),
        question.pk,
        back="survey",
    )


@require(Perm.SURVEYS_MANAGE)
@require_POST
def question_delete_view(request, pk):
    question = _question_or_404(pk)
    survey_pk = question.survey_id
    try:
        services.question_delete(question_id=question.pk, user=request.user)
    except services.SurveyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The question was removed."))
    return redirect("surveys:detail", pk=survey_pk)


@require(Perm.SURVEYS_MANAGE)
@require_POST
def option_add_view(request, pk):
    question = _question_or_404(pk)
    form = OptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the option."))
        return redirect("surveys:question_edit", pk=question.pk)
    return _after_change(
        request,
        lambda: (
            services.option_add(
                question_id=question.pk, user=request.user, **form.cleaned_data
            ).question.survey
        ),
        question.pk,
    )


def _option_question(pk):
    from surveys.models import Option

    option = Option.objects.filter(pk=pk).values("question_id").first()
    if option is None:
        raise Http404
    return option["question_id"]


@require(Perm.SURVEYS_MANAGE)
@require_POST
def option_move_view(request, pk):
    question_pk = _option_question(pk)
    return _after_change(
        request,
        lambda: services.option_move(
            option_id=pk, user=request.user, direction=request.POST.get("direction")
        ),
        question_pk,
    )


@require(Perm.SURVEYS_MANAGE)
@require_POST
def option_delete_view(request, pk):
    question_pk = _option_question(pk)
    return _after_change(
        request, lambda: services.option_delete(option_id=pk, user=request.user), question_pk
    )
