"""The supporter's phone form: big toggles and radios, a few taps, one save button."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.forms import ModelMultipleChoiceField
from consultations.models import (
    DEVICES_WITH_OS,
    MINUTES_MAX,
    NOTE_LENGTH,
    ConsultationRecord,
    Device,
    DeviceOS,
    FollowUp,
    Resolution,
    Topic,
)

# The minutes a supporter taps most; anything else goes in the number field.
MINUTE_CHOICES = (10, 20, 30, 45, 60)


class ConsultationForm(forms.Form):
    topics = ModelMultipleChoiceField(
        label=_("What did the person need? (all that apply)"),
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one topic."),
            "invalid_choice": _("Choose topics from the list."),
            "invalid_pk_value": _("Choose topics from the list."),
        },
    )
    device = forms.ChoiceField(
        label=_("Device"),
        choices=Device.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the device the person uses.")},
    )
    device_os = forms.ChoiceField(
        label=_("Phone type"),
        choices=DeviceOS.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_("For a smartphone or tablet."),
    )
    resolution = forms.ChoiceField(
        label=_("Result"),
        choices=Resolution.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the consultation ended.")},
    )
    minutes = forms.TypedChoiceField(
        label=_("Minutes spent"),
        choices=[(m, _("%(minutes)s min") % {"minutes": m}) for m in MINUTE_CHOICES],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    minutes_other = forms.IntegerField(
        label=_("Other (minutes)"),
        required=False,
        min_value=1,
        max_value=MINUTES_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Enter the minutes as a number."),
            "min_value": _("Minutes spent must be between 1 and %(max)s.") % {"max": MINUTES_MAX},
            "max_value": _("Minutes spent must be between 1 and %(max)s.") % {"max": MINUTES_MAX},
        },
    )
    followup = forms.ChoiceField(
        label=_("What follows"),
        choices=FollowUp.choices,
        widget=forms.RadioSelect,
        initial=FollowUp.NONE,
        error_messages={"required": _("Choose what follows.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_LENGTH}),
        help_text=_(
            "Up to %(max)s characters, for the supporters. No phone numbers or addresses; "
            "it is never exported."
        )
        % {"max": NOTE_LENGTH},
        error_messages={
            "max_length": _("The note can be at most %(max)s characters.") % {"max": NOTE_LENGTH}
        },
    )

    def __init__(self, *args: Any, record: ConsultationRecord | None = None, **kwargs: Any):
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(record)
        super().__init__(*args, **kwargs)
        chosen = [t.pk for t in record.topics.all()] if record is not None else []
        topics = self.fields["topics"]
        assert isinstance(topics, forms.ModelMultipleChoiceField)
        topics.queryset = Topic.objects.filter(Q(is_active=True) | Q(pk__in=chosen))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        other, chosen = data.get("minutes_other"), data.get("minutes")
        if "minutes_other" not in self.errors:
            if other is None and chosen is None:
                self.add_error("minutes", _("Choose the minutes spent, or type them in."))
            data["minutes_spent"] = other if other is not None else chosen
        if data.get("device") in DEVICES_WITH_OS and not data.get("device_os"):
            self.add_error("device_os", _("Choose the phone type (or 'Not known')."))
        return data

    def answers(self) -> dict[str, Any]:
        """The cleaned answers as consultation_record takes them."""
        data = self.cleaned_data
        return {
            "topic_ids": [t.pk for t in data["topics"]],
            "device": data["device"],
            "device_os": data.get("device_os") or "",
            "resolution": data["resolution"],
            "minutes": data["minutes_spent"],
            "followup": data["followup"],
            "note": data.get("note", ""),
        }


def initial_for(record: ConsultationRecord) -> dict[str, Any]:
    minutes: dict[str, Any] = (
        {"minutes": record.minutes}
        if record.minutes in MINUTE_CHOICES
        else {"minutes_other": record.minutes}
    )
    return {
        "topics": [t.pk for t in record.topics.all()],
        "device": record.device,
        "device_os": record.device_os,
        "resolution": record.resolution,
        "followup": record.followup,
        "note": record.note,
        **minutes,
    }


class FollowUpBookForm(forms.Form):
    # A database key: anything past the largest one is not a session (and never reaches SQL).
    session = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    nonce = forms.UUIDField(widget=forms.HiddenInput)
    back = forms.ChoiceField(
        choices=[("record", "record"), ("desk", "desk")], widget=forms.HiddenInput
    )
