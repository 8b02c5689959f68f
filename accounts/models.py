"""Roles are Django groups (see accounts.access). The tables here keep what an account needs
beyond Django's user: the failed logins since the last one, and invitations."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginFailures(models.Model):
    """Wrong passwords typed for a user since that user last logged in; shown at the next
    login so that the person notices someone trying their account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="login_failures",
    )
    count = models.PositiveIntegerField(_("failed logins"), default=0)
    last_failed_at = models.DateTimeField(_("last failed login"), null=True, blank=True)

    class Meta:
        verbose_name = _("failed logins since the last login")
        verbose_name_plural = _("failed logins since the last login")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.count}"


class Invitation(models.Model):
    """A staff account offered by the DX office: a one-time link, valid for some days, that
    lets the invitee choose a username and password and gives the account its roles.

    Only a hash of the link's token is kept: the link is shown once to the office and e-mailed.
    """

    email = models.EmailField(_("e-mail address"))
    roles = models.JSONField(_("roles"), default=list)
    venues = models.ManyToManyField("classes.Venue", blank=True, verbose_name=_("venues"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    expires_at = models.DateTimeField(_("valid until"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
        verbose_name=_("account"),
    )
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for the invitee")
        ACCEPTED = "accepted", _("Account made")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Withdrawn")

    def state_at(self, now) -> "Invitation.State":
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if now >= self.expires_at:
            return self.State.EXPIRED
        return self.State.OPEN
