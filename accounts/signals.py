"""Django's login signals, for every way in (allauth's pages and the admin's login)."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext

from accounts.clientip import client_address
from accounts.logins import login_failure_record, login_success_record
from accounts.middleware import MFA_SETUP_KEY, mfa_setup_needed, session_touch


def _login_of(credentials):
    return credentials.get("username") or credentials.get("email") or ""


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    login_failure_record(address=client_address(request), login=_login_of(credentials))


@receiver(user_logged_in, dispatch_uid="accounts.logged_in")
def _logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    session_touch(request)
    if mfa_setup_needed(user):
        request.session[MFA_SETUP_KEY] = True
    typed = request.POST.get("login") or request.POST.get("username") or ""
    logins = [name for name in {typed, user.get_username()} if name]
    seen = login_success_record(user=user, address=client_address(request), logins=logins)
    if seen.count:
        local = timezone.localtime(seen.last_failed_at)
        when = f"{date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M}"
        messages.warning(
            request,
            ngettext(
                "Since your last login, a wrong password was typed %(count)d time for your "
                "account (last at %(when)s). If this was not you, please tell the DX office.",
                "Since your last login, a wrong password was typed %(count)d times for your "
                "account (last at %(when)s). If this was not you, please tell the DX office.",
                seen.count,
            )
            % {"count": seen.count, "when": when},
        )
