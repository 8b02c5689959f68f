"""Forms for session lists and planning. They validate and convert input; services decide."""

import unicodedata

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from classes.models import (
    CancelReason,
    Category,
    Course,
    DeviceOS,
    Series,
    SeriesException,
    Venue,
)
from classes.scheduling import local_datetime
from config.forms import DayField

TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H時%M分", "%H.%M"]
# How many courses a series can chain (入門 → 基礎 → 応用).
SERIES_PART_FIELDS = 3
MAX_CAPACITY = 500
NTH_WEEK_CHOICES = [
    (1, _("1st")),
    (2, _("2nd")),
    (3, _("3rd")),
    (4, _("4th")),
    (5, _("5th")),
]


class _Normalized:
    """Accept what people type in Japan: full-width digits and punctuation become ASCII."""

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip()
        return super().to_python(value)


class ClockField(_Normalized, forms.TimeField):
    default_error_messages = {
        "invalid": _("This is not a real time. Please enter it like 10:00."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", TIME_INPUT_FORMATS)
        kwargs.setdefault("widget", forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
        super().__init__(**kwargs)


class CountField(_Normalized, forms.IntegerField):
    default_error_messages = {
        "invalid": _("Please enter a whole number."),
        "min_value": _("Please enter %(limit_value)s or more."),
        "max_value": _("Please enter %(limit_value)s or less."),
    }


def _course_choices():
    return Course.objects.filter(is_active=True).order_by("category", "title")


def _venue_choices(scope=None):
    venues = Venue.objects.filter(is_active=True).order_by("name")
    if scope is not None:
        venues = venues.filter(pk__in=scope)
    return venues


class SessionFilterForm(forms.Form):
    """The session list filters, read from the query string."""

    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("Until"), required=False)
    venue = forms.ModelChoiceField(
        label=_("Venue"), queryset=Venue.objects.none(), required=False, empty_label=_("All venues")
    )
    category = forms.ChoiceField(
        label=_("Kind of class"),
        choices=[("", _("All kinds"))] + list(Category.choices),
        required=False,
    )
    device_os = forms.ChoiceField(
        label=_("Phone type"),
        choices=[("", _("All phones"))] + [c for c in DeviceOS.choices if c[0] != DeviceOS.ANY],
        required=False,
    )
    include_cancelled = forms.BooleanField(label=_("Show cancelled sessions"), required=False)

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = _venue_choices(scope)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period must be on or after its start."))
        return data

    def filters(self):
        """Keyword arguments for queries.sessions_filtered (only the valid filters)."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        venue = data.get("venue")
        return {
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "venue_ids": [venue.pk] if venue else None,
            "category": data.get("category") or None,
            "device_os": data.get("device_os") or None,
            "include_cancelled": bool(data.get("include_cancelled")),
        }


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    date = DayField(label=_("Date"))
    start_time = ClockField(label=_("Start time"))
    end_time = ClockField(label=_("End time"))
    capacity = CountField(
        label=_("Capacity"),
        required=False,
        min_value=1,
        max_value=MAX_CAPACITY,
        help_text=_("Leave empty to use the course's usual capacity."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, session=None, **kwargs):
        if session is not None:
            start = timezone.localtime(session.starts_at)
            end = timezone.localtime(session.ends_at)
            kwargs["initial"] = {
                "course": session.course_id,
                "venue": session.venue_id,
                "date": start.date(),
                "start_time": start.time(),
                "end_time": end.time(),
                "capacity": session.capacity,
                "notes": session.notes,
            }
        super().__init__(*args, **kwargs)
        courses = _course_choices()
        venues = _venue_choices()
        if session is not None:
            # A course or venue retired since keeps working for the sessions that use it.
            courses = courses | Course.objects.filter(pk=session.course_id)
            venues = venues | Venue.objects.filter(pk=session.venue_id)
        self.fields["course"].queryset = courses.distinct()
        self.fields["venue"].queryset = venues.distinct()

    def clean(self):
        data = super().clean()
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            if end <= start:
                self.add_error("end_time", _("The end time must be after the start time."))
            else:
                data["starts_at"] = local_datetime(day, start)
                data["ends_at"] = local_datetime(day, end)
        return data


class SeriesForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    frequency = forms.ChoiceField(
        label=_("Repeats"), choices=Series.Frequency.choices, widget=forms.RadioSelect
    )
    weekday = forms.TypedChoiceField(
        label=_("Day of the week"), choices=list(WEEKDAYS.items()), coerce=int
    )
    nth_week = forms.TypedChoiceField(
        label=_("Week of the month"),
        choices=[("", _("(only for monthly series)")), *NTH_WEEK_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    start_date = DayField(label=_("First date"))
    end_date = DayField(label=_("Last date"))
    start_time = ClockField(label=_("Start time"))
    end_time = ClockField(label=_("End time"))
    capacity = CountField(
        label=_("Capacity"),
        required=False,
        min_value=1,
        max_value=MAX_CAPACITY,
        help_text=_("Leave empty to use the first course's usual capacity."),
    )
    book_as_whole = forms.BooleanField(
        label=_("Residents book all parts together"),
        required=False,
        help_text=_("For a course in parts, e.g. introduction → basics → advanced."),
    )
    skip_holidays = forms.BooleanField(
        label=_("No sessions on public holidays and 29 December – 3 January"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = _venue_choices()
        courses = _course_choices()
        for number in range(1, SERIES_PART_FIELDS + 1):
            name = f"course_{number}"
            extra = {"empty_label": _("(none)")} if number > 1 else {}
            self.fields[name] = forms.ModelChoiceField(
                label=_("Course, part %(number)d") % {"number": number},
                queryset=courses,
                required=number == 1,
                **extra,
            )
        # Parts come right after the venue so the form reads in the order staff think.
        order = ["title", "venue"] + [f"course_{n}" for n in range(1, SERIES_PART_FIELDS + 1)]
        self.order_fields(order)

    def clean(self):
        data = super().clean()
        if data.get("frequency") == Series.Frequency.MONTHLY_NTH and not data.get("nth_week"):
            self.add_error("nth_week", _("Choose which week of the month."))
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The last date must be on or after the first date."))
        start_time, end_time = data.get("start_time"), data.get("end_time")
        if start_time and end_time and end_time <= start_time:
            self.add_error("end_time", _("The end time must be after the start time."))
        courses = [data.get(f"course_{n}") for n in range(1, SERIES_PART_FIELDS + 1)]
        data["courses"] = [course for course in courses if course]
        if data.get("capacity") is None and data["courses"]:
            data["capacity"] = data["courses"][0].default_capacity
        return data

    def rule(self):
        """The date rule as series_dates/series_calendar take it."""
        data = self.cleaned_data
        return {
            "frequency": data["frequency"],
            "weekday": data["weekday"],
            "nth_week": data.get("nth_week"),
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "skip_holidays": data["skip_holidays"],
        }


class SeriesExceptionForm(forms.Form):
    date = DayField(label=_("Date"))
    action = forms.ChoiceField(
        label=_("Change"), choices=SeriesException.Action.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note (e.g. the reason)"), max_length=200, required=False)


class ConsultationDayForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    date = DayField(label=_("Date"))
    start_time = ClockField(label=_("First slot starts"))
    end_time = ClockField(label=_("Last slot ends"))
    slot_minutes = CountField(label=_("Minutes per slot"), min_value=5, max_value=240, initial=30)
    desks = CountField(
        label=_("Supporters in parallel"),
        min_value=1,
        max_value=50,
        initial=2,
        help_text=_("Each slot can be booked by this many residents, one per supporter."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = _course_choices().filter(category=Category.CONSULTATION)
        self.fields["venue"].queryset = _venue_choices()

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end time must be after the start time."))
        return data


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=200,
        help_text=_("Staff read this out when they call the residents, e.g. 'typhoon warning'."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please write the reason."))
        return reason


class DeskFilterForm(SessionFilterForm):
    """The booking desk's session filters: upcoming only, optionally only with free seats."""

    seats = forms.BooleanField(label=_("Only sessions with free seats"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["include_cancelled"]
        self.fields["venue"].queryset = Venue.objects.filter(is_active=True).order_by("name")

    def filters(self):
        filters = super().filters()
        filters["include_cancelled"] = False
        filters["seats_left_only"] = bool(self.cleaned_data.get("seats"))
        return filters


class BookingCancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Who is cancelling"),
        choices=[
            (CancelReason.BY_RESIDENT, _("The resident asked to cancel")),
            (CancelReason.BY_STAFF, _("Staff are cancelling")),
        ],
        initial=CancelReason.BY_RESIDENT,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)
