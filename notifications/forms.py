from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import DayField
from notifications.models import CallStatus, Channel, Purpose, Status


def _any(choices):
    return [("", _("All")), *choices]


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=_any(Status.choices), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=_any(Channel.choices), required=False)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=_any(Purpose.choices), required=False)
    day = DayField(label=_("Date"), required=False)

    def filters(self):
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status", ""),
            "channel": data.get("channel", ""),
            "purpose": data.get("purpose", ""),
            "day": data.get("day"),
        }


OUTCOME_CHOICES = [
    (value, label)
    for value, label in CallStatus.choices
    if value not in (CallStatus.OPEN, CallStatus.NOT_NEEDED)
]


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOME_CHOICES)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
