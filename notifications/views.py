"""Staff pages: the message log (with a message's history, and why sending is paused when it
is), a resident's messages (loaded into the resident page), and the daily call list."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Perm, require
from audit.recording import record_search, record_view
from notifications import hooks, queries, services
from notifications.forms import CallOutcomeForm, MessageFilterForm
from notifications.models import OPEN_CALL_STATUSES

MESSAGES_PER_PAGE = 50


@require(Perm.MESSAGES_VIEW)
def message_list(request):
    form = MessageFilterForm(request.GET)
    page = Paginator(queries.messages_filtered(**form.filters()), MESSAGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    # The texts name their residents: the page is a list of residents' data.
    record_search(request, "message list", [m.resident_id for m in page if m.resident_id])
    return render(
        request,
        "notifications/message_list.html",
        {"form": form, "page": page, **_pause_context()},
    )


def _pause_context():
    return {
        "pause": queries.sending_pause(),
        "probe_minutes": max(1, settings.NOTIFY_PAUSE_PROBE_SECONDS // 60),
    }


@require(Perm.MESSAGES_VIEW)
def message_detail(request, pk):
    message = queries.message_with_history(pk)
    if message is None:
        raise Http404
    names = (
        hooks.resident_name.announce(hooks.ResidentFor(message.resident_id))
        if message.resident_id
        else []
    )
    if message.resident_id:
        record_view(request, "message page", [message.resident_id])
    return render(
        request,
        "notifications/message_detail.html",
        {"message": message, "resident_name": names[0] if names else "", **_pause_context()},
    )


@require(Perm.MESSAGES_VIEW)
@require_POST
def message_cancel(request, pk):
    try:
        services.message_cancel(message_id=pk, user=request.user)
    except services.NotifyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The message will not be sent."))
    return redirect("notifications:message_detail", pk=pk)


@require(Perm.MESSAGES_VIEW)
@require_POST
def sending_resume(request):
    try:
        services.sending_resume(user=request.user)
    except services.NotifyError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Sending resumes now. If the provider refuses the credentials again, it pauses "
                "again."
            ),
        )
    return redirect("notifications:message_list")


@require(Perm.MESSAGES_VIEW)
def resident_messages(request, resident_id):
    """The resident page loads it into itself (htmx); without JavaScript, a page of its own."""
    template = "_resident_messages.html" if request.htmx else "resident_messages.html"
    record_view(request, "resident messages", [resident_id])
    return render(
        request,
        f"notifications/{template}",
        {"messages_sent": queries.resident_messages(resident_id), "resident_id": resident_id},
    )


@require(Perm.CALLS_MAKE)
def call_list(request):
    calls = queries.call_list()
    # Names and phone numbers to call: recorded like a list of residents.
    record_view(request, "call list", [c.resident_id for c in calls if c.resident_id])
    return render(
        request,
        "notifications/call_list.html",
        {
            "today": timezone.localdate(),
            "open_calls": [c for c in calls if c.status in OPEN_CALL_STATUSES],
            "done_calls": [c for c in calls if c.status not in OPEN_CALL_STATUSES],
            "form": CallOutcomeForm(),
        },
    )


@require(Perm.CALLS_MAKE)
@require_POST
def call_outcome(request, pk):
    form = CallOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose what came of the call."))
        return redirect("notifications:call_list")
    try:
        call = services.call_record_outcome(
            call_id=pk,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            user=request.user,
        )
    except services.NotifyError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Recorded: %(who)s — %(outcome)s.")
            % {"who": call.who, "outcome": call.get_status_display()},
        )
    return redirect(reverse("notifications:call_list") + f"#call-{pk}")
