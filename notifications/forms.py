import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import CallStatus, Channel, Purpose, Status

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"]


def _any(choices):
    return [("", _("All")), *choices]


class DayField(forms.DateField):
    default_error_messages = {
        "invalid": _("This is not a real date. Please enter it like 2025-11-25."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip()
        return super().to_python(value)


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
