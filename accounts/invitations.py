"""Staff accounts by invitation: the DX office invites, the invitee makes the account.

One function per verb: invitation_create, invitation_send, invitation_revoke,
invitation_accept. Each raises InvitationError with a message fit to show.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.access import Role
from accounts.models import Invitation

logger = logging.getLogger(__name__)

# Roles an invitation may give. Volunteers apply on their own and are approved by the office
# (volunteers app), so their role is not handed out here.
INVITABLE_ROLES = (Role.DESK, Role.VENUE, Role.DXOFFICE)


class InvitationError(Exception):
    """Why an invitation cannot be made, used or withdrawn; the message is for the user."""


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str  # shown once: only its hash is stored

    @property
    def link(self) -> str:
        return invitation_link(self.token)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    path = reverse("accounts:invitation_accept", args=[token])
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}"


def invitation_create(
    *,
    email: str,
    roles: Iterable[str],
    venue_ids: Iterable[int] = (),
    valid_days: int | None = None,
    user: User,
) -> NewInvitation:
    """Invite `email` to a staff account with `roles` (and, for venue staff, `venue_ids`)."""
    role_list = sorted({str(role) for role in roles})
    venues = sorted(set(venue_ids))
    if not role_list:
        raise InvitationError(_("Choose at least one role."))
    if any(role not in INVITABLE_ROLES for role in role_list):
        raise InvitationError(_("That role cannot be given by an invitation."))
    if Role.VENUE in role_list and not venues:
        raise InvitationError(_("Choose the venues where the venue staff member works."))
    days = settings.INVITATION_VALID_DAYS if valid_days is None else valid_days
    if not 1 <= days <= 30:
        raise InvitationError(_("An invitation can be valid for 1 to 30 days."))
    address = email.strip()
    if get_user_model().objects.filter(email__iexact=address).exists():
        raise InvitationError(_("An account with this e-mail address already exists."))
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=address,
            roles=role_list,
            token_hash=_hash(token),
            created_by=user,
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )
        invitation.venues.set(venues)
    return NewInvitation(invitation, token)


def invitation_send(new: NewInvitation) -> bool:
    """E-mail the link to the invitee. False when the mail could not be handed over; the
    office then passes the link on itself (it is shown on the invitation's page)."""
    invitation = new.invitation
    until = timezone.localtime(invitation.expires_at)
    body = _(
        "You are invited to make your staff account for Tsunagu.\n\n"
        "Open this link, then choose a username and a password:\n%(link)s\n\n"
        "The link works once, until %(until)s.\n"
        "If you did not expect this e-mail, please ignore it."
    ) % {"link": new.link, "until": f"{date_format(until, 'SHORT_DATE_FORMAT')} {until:%H:%M}"}
    try:
        send_mail(
            _("Your staff account for Tsunagu"),
            body,
            None,
            [invitation.email],
        )
    except OSError:
        logger.exception("invitation %s: the e-mail could not be sent", invitation.pk)
        return False
    return True


def invitation_revoke(*, invitation_id: int, user: User) -> Invitation:
    """Withdraw an invitation that has not been used: its link stops working."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        if invitation.accepted_at:
            raise InvitationError(_("This invitation has already been used."))
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link names, whatever its state (None for an unknown link)."""
    if not token or len(token) > 100:
        return None
    return Invitation.objects.filter(token_hash=_hash(token)).first()


def invitation_accept(*, token: str, username: str, password: str) -> User:
    """Make the invitee's account: the username and password they chose, the invitation's
    e-mail address (verified: the link reached it), roles and venues. The link is used up."""
    with transaction.atomic():
        found = invitation_by_token(token)
        if found is None:
            raise InvitationError(_("This invitation link does not work."))
        invitation = Invitation.objects.select_for_update().get(pk=found.pk)
        state = invitation.state_at(timezone.now())
        if state != Invitation.State.OPEN:
            raise InvitationError(
                {
                    Invitation.State.ACCEPTED: _("This invitation has already been used."),
                    Invitation.State.EXPIRED: _(
                        "This invitation has expired. Please ask the DX office for a new one."
                    ),
                    Invitation.State.REVOKED: _("This invitation has been withdrawn."),
                }[state]
            )
        if User.objects.filter(username__iexact=username).exists():
            raise InvitationError(_("This username is taken. Please choose another."))
        account = User.objects.create_user(
            username=username, email=invitation.email, password=password
        )
        EmailAddress.objects.create(
            user=account, email=invitation.email, verified=True, primary=True
        )
        for role in invitation.roles:
            group, _created = Group.objects.get_or_create(name=role)
            account.groups.add(group)
        for venue in invitation.venues.all():
            venue.staff.add(account)
        invitation.accepted_at = timezone.now()
        invitation.account = account
        invitation.save(update_fields=["accepted_at", "account"])
    return account
