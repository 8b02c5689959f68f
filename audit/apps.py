from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Who looked at whose personal data: the append-only access log.

    The bottom layer beside accounts: every app records into it, it imports none of them.
    Residents are named by id only, so a row says nothing about a person by itself and stays
    true after the person is erased."""

    name = "audit"
    verbose_name = _("Access log")
