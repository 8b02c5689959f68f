import datetime
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _


class TsunaguFormRenderer(TemplatesSetting):
    """Every form renders the same way: a `.field` block per field, errors next to it."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"


# Dates as people in Japan type them; the browser's own date picker sends the first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"]


class DayField(forms.DateField):
    """A calendar day typed or picked: full-width digits and punctuation are read as ASCII."""

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


# The days a period asked for in a query string may start or end on: wide enough for any plan
# or record, narrow enough that the arithmetic around a period (weeks on, a year back, local
# midnight in UTC) stays inside the calendar.
EARLIEST_DAY = datetime.date(1900, 1, 1)
LATEST_DAY = datetime.date(2999, 12, 31)


def day_param(value: object, default: datetime.date | None) -> datetime.date | None:
    """A day read from a query string as DayField reads it, or `default` when it is missing, not
    a real date, or outside EARLIEST_DAY..LATEST_DAY."""
    try:
        day = DayField(required=False).clean(value if isinstance(value, str) else "")
    except ValidationError:
        return default
    if day is None or not EARLIEST_DAY <= day <= LATEST_DAY:
        return default
    return day


# Record ids are positive 64-bit numbers (BigAutoField).
RECORD_ID_MAX = 2**63 - 1


def record_id(value: object) -> int | None:
    """A record id read from a request, or None when it cannot be one: not a number, or beyond
    what the database holds (a list of such ids in `pk__in` would answer 500)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if 0 < number <= RECORD_ID_MAX else None


class RecordIdField(forms.IntegerField):
    """A record's id sent back by a page (usually hidden): a positive number the key column can
    hold. Beyond that the database would raise on the look-up (a 500), so the form refuses it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", RECORD_ID_MAX)
        super().__init__(**kwargs)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, with one hole closed: a number beyond the key column's range (a forged or
    fuzzed "99999…") is an invalid choice like any unknown id. Django's own check leaves it to
    the database, where `pk__in` raises (SQLite: OverflowError, PostgreSQL: DataError): a 500.
    Use this instead of forms.ModelMultipleChoiceField in every form."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        meta = self.queryset.model._meta
        field = meta.pk if key == "pk" else meta.get_field(key)
        if isinstance(field, models.IntegerField):
            connection = connections[self.queryset.db]
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            for pk in value:
                try:
                    number = int(str(pk).strip())
                except ValueError:
                    continue  # Django's own check refuses it
                if (low is not None and number < low) or (high is not None and number > high):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)
