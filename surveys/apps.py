from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from attendance.hooks import on_ticket_page
        from surveys.hooks import survey_link_on_ticket

        on_ticket_page(survey_link_on_ticket)
