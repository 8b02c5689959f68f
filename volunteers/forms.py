import datetime

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from classes.models import Venue
from config.forms import DATE_INPUT_FORMATS, ModelMultipleChoiceField, RecordIdField
from residents.forms import PHONE_INVALID, KanaField
from residents.normalize import parse_phone, to_e164
from volunteers.availability import overlap_message, window_overlap
from volunteers.models import (
    AvailabilityException,
    CourseStaffing,
    Qualification,
    Role,
    Skill,
    Volunteer,
)

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BAD_DATE = {"invalid": _("This date does not exist. Check the year, month and day.")}


def _date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        input_formats=DATE_INPUT_FORMATS,
        widget=DATE_WIDGET,
        error_messages=BAD_DATE,
        **kwargs,
    )


class VolunteerForm(forms.ModelForm):
    """The application and the profile: the same fields."""

    family_name_kana = KanaField(label=_("Family name (kana)"), max_length=50)
    given_name_kana = KanaField(label=_("Given name (kana)"), max_length=50)
    phone = forms.CharField(
        label=_("Phone"), max_length=30, widget=forms.TextInput(attrs={"type": "tel"})
    )
    skills = forms.MultipleChoiceField(
        label=_("What you can help with"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    venues = ModelMultipleChoiceField(
        label=_("Venues you can reach"),
        queryset=Venue.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Volunteer
        fields = [
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "phone",
            "email",
            "district",
            "skills",
            "venues",
            "max_shifts_per_month",
        ]

    def clean_phone(self):
        number = parse_phone(self.cleaned_data["phone"])
        if number is None:
            raise forms.ValidationError(PHONE_INVALID, code="phone")
        return to_e164(number)

    def clean_max_shifts_per_month(self):
        value = self.cleaned_data["max_shifts_per_month"]
        if not value or value < 1:
            raise forms.ValidationError(_("Please enter at least 1."))
        return value

    def service_fields(self):
        data = dict(self.cleaned_data)
        data["venues"] = list(data.get("venues") or [])
        return data


class WindowForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Day of the week"), choices=list(WEEKDAYS.items()), coerce=int
    )
    start_time = forms.TimeField(label=_("From"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("Until"), widget=TIME_WIDGET)

    def __init__(self, *args, volunteer, **kwargs):
        super().__init__(*args, **kwargs)
        self.volunteer = volunteer

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end:
            if end <= start:
                raise forms.ValidationError(_("The end time must be after the start time."))
            clash = window_overlap(self.volunteer, data["weekday"], start, end)
            if clash:
                raise forms.ValidationError(overlap_message(clash), code="overlap")
        return data


class ExceptionForm(forms.Form):
    date = _date_field(_("Date"))
    kind = forms.ChoiceField(
        label=_("Change"), choices=AvailabilityException.Kind.choices, widget=forms.RadioSelect
    )
    start_time = forms.TimeField(label=_("From"), required=False, widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("Until"), required=False, widget=TIME_WIDGET)

    def clean(self):
        data = super().clean()
        if data.get("kind") == AvailabilityException.Kind.EXTRA:
            start, end = data.get("start_time"), data.get("end_time")
            if not start or not end:
                raise forms.ValidationError(_("Please enter the hours of the extra day."))
            if end <= start:
                raise forms.ValidationError(_("The end time must be after the start time."))
        return data


class QualificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Qualification.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    issued_on = _date_field(_("Issued on"))
    expires_on = _date_field(_("Expires on"), required=False)

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            raise forms.ValidationError(_("The expiry date is before the issue date."))
        return data


def _next_month():
    today = timezone.localdate()
    first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


class RunForm(forms.Form):
    period_start = _date_field(_("From"))
    period_end = _date_field(_("Until"))

    def __init__(self, *args, **kwargs):
        first, last = _next_month()
        kwargs.setdefault("initial", {"period_start": first, "period_end": last})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data


class NeedForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    count = forms.IntegerField(label=_("People needed"), min_value=0, max_value=20)
    required_skills = forms.MultipleChoiceField(
        label=_("Skills needed"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    follows_bookings = forms.BooleanField(label=_("Count follows bookings"), required=False)


class StaffingForm(forms.ModelForm):
    """A course's usual staffing: leads, reception, and participants per assistant."""

    class Meta:
        model = CourseStaffing
        fields = ["leads", "receptionists", "participants_per_assistant"]

    def clean_participants_per_assistant(self):
        value = self.cleaned_data["participants_per_assistant"]
        if not value or value < 1:
            raise forms.ValidationError(_("Please enter at least 1."))
        return value


class AssignForm(forms.Form):
    need = RecordIdField(widget=forms.HiddenInput)
    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=Volunteer.objects.approved())
    force = forms.BooleanField(required=False, widget=forms.HiddenInput)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)
