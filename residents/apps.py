from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("Residents")

    def ready(self) -> None:
        # The message log shows residents by name; notifications itself keeps only ids.
        from notifications.hooks import resident_name
        from residents.queries import resident_name_for

        resident_name.listen(resident_name_for)
