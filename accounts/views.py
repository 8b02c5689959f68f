import math
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import invitations, queries, throttle
from accounts.access import Perm, can, require
from accounts.clientip import client_address
from accounts.forms import AcceptInvitationForm, InvitationForm
from accounts.models import Invitation


@login_required
def home(request):
    """Send each role to the page it works on most."""
    user = request.user
    if can(user, Perm.BOOKINGS_MANAGE) and not can(user, Perm.SCHEDULE_EDIT):
        return redirect("classes:desk")
    if can(user, Perm.CHECKIN) and not can(user, Perm.SCHEDULE_EDIT):
        return redirect("attendance:venue_today")
    if can(user, Perm.REPORTS_VIEW):
        # The DX office starts from where the city stands against its plan.
        return redirect("reports:plan_list")
    if can(user, Perm.SESSIONS_VIEW):
        return redirect("classes:session_list")
    if can(user, Perm.VOLUNTEER_SELF):
        return redirect("volunteers:my_shifts")
    return render(request, "accounts/home.html")


def throttled(login_view):
    """A login view that first asks the throttle (accounts.throttle): a login name tried too
    often from this address gets a 429 page saying how long to wait, without its password
    being looked at. The failures themselves are counted by accounts.signals."""

    @wraps(login_view)
    def view(request, *args, **kwargs):
        if request.method == "POST":
            login = request.POST.get("login") or request.POST.get("username") or ""
            wait = throttle.login_wait(client_address(request), login)
            if wait:
                return too_many_attempts(request, wait)
        return login_view(request, *args, **kwargs)

    return view


def too_many_attempts(request, wait=None):
    """The 429 page: ours, and allauth's rate limits' (config.urls.handler429)."""
    response = render(
        request,
        "429.html",
        {
            "seconds": wait if wait and wait < 60 else None,
            "minutes": math.ceil(wait / 60) if wait and wait >= 60 else None,
        },
        status=429,
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response


# --- Staff invitations -----------------------------------------------------------------------
LINK_SESSION_KEY = "accounts:invitation_link:{pk}"


def _private(response):
    """The invitee's page has its token in the address: never cached, indexed, or sent to
    another site as a referrer. "same-origin", not "no-referrer": under no-referrer the browser
    posts the page's own form with "Origin: null", which Django's CSRF check refuses."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


@require(Perm.USERS_INVITE)
@require_http_methods(["GET", "POST"])
def invitation_list(request):
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = invitations.invitation_create(
                email=data["email"],
                roles=data["roles"],
                venue_ids=[venue.pk for venue in data["venues"]],
                valid_days=data["valid_days"],
                user=request.user,
            )
        except invitations.InvitationError as error:
            form.add_error(None, str(error))
        else:
            sent = invitations.invitation_send(new)
            # The link is shown once, on the invitation's page (only its hash is kept).
            request.session[LINK_SESSION_KEY.format(pk=new.invitation.pk)] = new.link
            if sent:
                messages.success(request, _("The invitation was e-mailed."))
            else:
                messages.warning(
                    request,
                    _("The e-mail could not be sent. Please pass the link on yourself."),
                )
            return redirect("accounts:invitation_detail", pk=new.invitation.pk)
    return render(
        request,
        "accounts/invitation_list.html",
        {"form": form, "invitations": queries.invitations_recent(), "now": timezone.now()},
    )


@require(Perm.USERS_INVITE)
def invitation_detail(request, pk):
    invitation = get_object_or_404(queries.invitations_recent(limit=None), pk=pk)
    link = request.session.pop(LINK_SESSION_KEY.format(pk=pk), None)
    return render(
        request,
        "accounts/invitation_detail.html",
        {
            "invitation": invitation,
            "state": invitation.state_at(timezone.now()),
            "link": link,
            "role_labels": queries.role_labels(invitation.roles),
        },
    )


@require(Perm.USERS_INVITE)
@require_POST
def invitation_withdraw(request, pk):
    get_object_or_404(Invitation, pk=pk)
    try:
        invitations.invitation_revoke(invitation_id=pk, user=request.user)
    except invitations.InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The invitation was withdrawn; its link no longer works."))
    return redirect("accounts:invitation_detail", pk=pk)


@require_http_methods(["GET", "POST"])
def invitation_accept_page(request, token):
    invitation = invitations.invitation_by_token(token)
    state = invitation.state_at(timezone.now()) if invitation else None
    if state != Invitation.State.OPEN:
        notice = {
            None: _("This invitation link does not work. Please check the address."),
            Invitation.State.ACCEPTED: _(
                "This invitation has already been used. Please log in with your account."
            ),
            Invitation.State.EXPIRED: _(
                "This invitation has expired. Please ask the DX office for a new one."
            ),
            Invitation.State.REVOKED: _("This invitation has been withdrawn."),
        }[state]
        return _private(
            render(request, "accounts/invitation_notice.html", {"notice": notice}, status=404)
        )
    form = AcceptInvitationForm(
        request.POST if request.method == "POST" else None, email=invitation.email
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitations.invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except invitations.InvitationError as error:
            form.add_error(None, str(error))
        else:
            if request.user.is_authenticated:
                logout(request)
            messages.success(request, _("Your account is ready. Please log in."))
            return redirect("account_login")
    return _private(
        render(
            request,
            "accounts/invitation_accept.html",
            {
                "form": form,
                "invitation": invitation,
                "role_labels": queries.role_labels(invitation.roles),
            },
        )
    )
