"""Residents answer without an account: by their ticket's token (one response per booking,
after check-in), by an SMS invitation's token, or by the survey's public link (rate-limited,
with a duplicate guard). Plain HTML forms: no JavaScript needed. "Save and finish later"
keeps a draft on the response; the same link brings it back."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.clientip import client_address
from attendance.queries import ticket_by_token
from classes.models import BookingStatus
from surveys import answers, queries, services
from surveys.models import TOKEN_ALPHABET, Channel, Invitation, Kind, Response, Survey

# Public link: at most this many form posts per address per window.
PUBLIC_POSTS_PER_WINDOW = 30
PUBLIC_WINDOW_SECONDS = 3600
DRAFT_COOKIE_DAYS = 30
DONE_COOKIE = "survey_done_{pk}"
DRAFT_COOKIE = "survey_draft_{pk}"


def _private(response):
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def _plausible(token):
    token = (token or "").strip().upper()
    if not token or len(token) > 32 or not set(token) <= set(TOKEN_ALPHABET):
        return None
    return token


def _initial(questions, draft):
    """What each question shows as chosen / typed: {key: {"codes": [...], "text", "other"}}."""
    return {q.key: draft.get(q.key) or {} for q in questions}


def _prefilled(questions, resident):
    profile = answers.prefill_profile(resident)
    draft = {}
    for question in questions:
        code = profile.get(question.kind)
        if code:
            draft[question.key] = {"codes": [code]}
    return draft


def _form_page(request, survey, questions, *, action, draft, errors=None, saved=False, status=200):
    initial = _initial(questions, draft)
    items = []
    for number, question in enumerate(questions, start=1):
        given = initial.get(question.key, {})
        items.append(
            {
                "number": number,
                "question": question,
                "name": f"q_{question.key}",
                "chosen": set(given.get("codes") or []),
                "text": given.get("text", ""),
                "other": given.get("other", ""),
                "error": (errors or {}).get(question.key),
                "multi": question.kind == Kind.MULTI,
                "is_text": question.kind == Kind.TEXT,
                "options": list(question.options.all()),
            }
        )
    context = {
        "survey": survey,
        "items": items,
        "action": action,
        "errors": errors or {},
        "saved": saved,
    }
    return _private(render(request, "surveys/answer.html", context, status=status))


def _thanks(request, survey, status=200):
    return _private(render(request, "surveys/thanks.html", {"survey": survey}, status=status))


def _notice(request, title, text, status=200):
    context = {"title": title, "text": text}
    return _private(render(request, "surveys/notice.html", context, status=status))


def _handle(request, survey, *, response, channel, where, action, public_hash_salt=None):
    """GET shows the form (or thanks when already sent); POST saves a draft or submits.

    Returns (page, response saved by this request or None)."""
    questions = queries.questions_of(survey)
    if response is not None and response.submitted_at:
        return _thanks(request, survey), None
    if not survey.is_open:
        return _notice(
            request, _("This survey is closed"), _("Thank you for your interest in the survey.")
        ), None
    if request.method == "GET":
        draft = response.draft if response is not None else {}
        resident = where.get("resident")
        if not draft and resident is not None and resident.consent_data_use:
            draft = _prefilled(questions, where["resident"])
        return _form_page(request, survey, questions, action=action, draft=draft), None
    raw = answers.raw_from_post(questions, request.POST)
    if "save_draft" in request.POST:
        response = services.response_save_draft(
            survey=survey, questions=questions, raw=raw, response=response, channel=channel, **where
        )
        page = _form_page(request, survey, questions, action=action, draft=raw, saved=True)
        return page, response
    checked = answers.check_answers(questions, raw)
    if not checked.ok:
        page = _form_page(
            request, survey, questions, action=action, draft=raw, errors=checked.errors, status=400
        )
        return page, None
    public_hash = ""
    if public_hash_salt is not None:
        public_hash = answers.answers_hash(checked, salt=public_hash_salt)
    try:
        response = services.response_submit(
            survey=survey,
            questions=questions,
            checked=checked,
            channel=channel,
            response=response,
            public_hash=public_hash,
            **where,
        )
    except services.SurveyError as error:
        return _notice(request, _("Thank you"), error.message), None
    return redirect(action), response


@require_http_methods(["GET", "POST"])
def answer_ticket(request, token):
    token = _plausible(token)
    ticket = ticket_by_token(token) if token else None
    if ticket is None or not ticket.is_valid:
        return _notice(
            request,
            _("This survey link does not work"),
            _("Please check the address, or ask the staff at the class."),
            status=404,
        )
    booking = ticket.booking
    survey = queries.survey_for_booking(booking)
    if survey is None:
        return _notice(request, _("There is no survey for this class"), _("Thank you for coming."))
    if booking.status != BookingStatus.ATTENDED:
        return _notice(
            request,
            _("The survey opens after check-in"),
            _("Please come back to this page after you have checked in at the class."),
        )
    response = Response.objects.filter(survey=survey, booking=booking).first()
    where = {"booking": booking, "resident": booking.resident, "session": booking.session}
    page, _saved = _handle(
        request,
        survey,
        response=response,
        channel=Channel.TICKET,
        where=where,
        action=request.path,
    )
    return page


@require_http_methods(["GET", "POST"])
def answer_invitation(request, token):
    token = _plausible(token)
    invitation = (
        Invitation.objects.select_related("survey", "booking__session", "resident", "response")
        .filter(token=token)
        .first()
        if token
        else None
    )
    if invitation is None:
        return _notice(
            request,
            _("This survey link does not work"),
            _("Please check the address in the message."),
            status=404,
        )
    try:
        response = invitation.response
    except Response.DoesNotExist:
        response = None
    booking = invitation.booking
    where = {
        "invitation": invitation,
        "resident": invitation.resident,
        "booking": booking,
        "session": booking.session if booking else None,
    }
    if response is None and booking is not None:
        # A ticket answer for the same booking counts as this one.
        response = Response.objects.filter(survey=invitation.survey, booking=booking).first()
    page, _saved = _handle(
        request,
        invitation.survey,
        response=response,
        channel=Channel.SMS,
        where=where,
        action=request.path,
    )
    return page


def _rate_limited(request, survey):
    key = f"surveys:public:{survey.pk}:{client_address(request)}"
    cache.add(key, 0, PUBLIC_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, PUBLIC_WINDOW_SECONDS)
        count = 1
    return count > PUBLIC_POSTS_PER_WINDOW


@require_http_methods(["GET", "POST"])
def answer_public(request, token):
    token = _plausible(token)
    survey = Survey.objects.filter(public_token=token, public_link=True).first() if token else None
    if survey is None:
        return _notice(
            request,
            _("This survey link does not work"),
            _("Please check the address."),
            status=404,
        )
    done_cookie = DONE_COOKIE.format(pk=survey.pk)
    draft_cookie = DRAFT_COOKIE.format(pk=survey.pk)
    if request.COOKIES.get(done_cookie):
        return _thanks(request, survey)
    if request.method == "POST" and _rate_limited(request, survey):
        return _notice(
            request,
            _("Too many answers from this connection"),
            _("Please try again in an hour."),
            status=429,
        )
    response = None
    draft_id = request.get_signed_cookie(draft_cookie, default=None, salt="surveys.draft")
    if draft_id and str(draft_id).isdigit():
        response = Response.objects.filter(
            pk=int(draft_id), survey=survey, channel=Channel.PUBLIC, submitted_at__isnull=True
        ).first()
    salt = hashlib.sha256(f"{settings.SECRET_KEY}|{client_address(request)}".encode()).hexdigest()
    page, saved = _handle(
        request,
        survey,
        response=response,
        channel=Channel.PUBLIC,
        where={},
        action=request.path,
        public_hash_salt=salt,
    )
    if saved is not None:
        secure = getattr(settings, "SESSION_COOKIE_SECURE", False)
        max_age = DRAFT_COOKIE_DAYS * 86400
        if saved.submitted_at:
            page.set_cookie(
                done_cookie, "1", max_age=max_age, httponly=True, secure=secure, samesite="Lax"
            )
            page.delete_cookie(draft_cookie)
        else:
            page.set_signed_cookie(
                draft_cookie,
                str(saved.pk),
                salt="surveys.draft",
                max_age=max_age,
                httponly=True,
                secure=secure,
                samesite="Lax",
            )
    return page
