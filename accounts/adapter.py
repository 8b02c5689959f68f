"""allauth's hooks: who may sign up, and who may log in before their e-mail is verified."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.access import roles_of


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Sign-up is for volunteers applying on their own (VOLUNTEER_SELF_SIGNUP); it gives no
        role. Staff accounts are made by invitation (accounts.invitations)."""
        return bool(settings.VOLUNTEER_SELF_SIGNUP)

    def pre_login(self, request, user, **kwargs):
        """An account without any role (a sign-up) logs in only with a verified e-mail
        address; until then the verification mail is sent again and the login stops."""
        response = super().pre_login(request, user, **kwargs)
        if response is not None:
            return response
        if user.is_superuser or user.is_staff or roles_of(user):
            return None
        addresses = list(EmailAddress.objects.filter(user=user).order_by("-primary"))
        if any(address.verified for address in addresses):
            return None
        if not addresses:
            messages.error(
                request,
                _("This account cannot be used yet. Please ask the DX office."),
            )
            return redirect("account_login")
        addresses[0].send_confirmation(request, signup=kwargs.get("signup", False))
        return self.respond_email_verification_sent(request, user)
