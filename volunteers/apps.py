from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self):
        from classes.hooks import on_booking_change
        from volunteers.services import on_booking_change as follow_bookings

        on_booking_change(follow_bookings)
