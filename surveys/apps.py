from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from attendance.hooks import ticket_page
        from surveys.ticket_page import survey_link_on_ticket

        ticket_page.listen(survey_link_on_ticket)
