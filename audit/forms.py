"""Forms of the access log: the purpose stated before a file holding personal data is made,
the log pages' filters, the resident finder and the log export."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AccessLog, Action
from audit.queries import week_of
from config.forms import RecordIdField

PURPOSE_MAX_LENGTH = AccessLog._meta.get_field("purpose").max_length


class ExportPurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("What is it for?"),
        help_text=_("For example: “roster for the class on the 10th”. Kept in the access log."),
        max_length=PURPOSE_MAX_LENGTH,
        error_messages={"required": _("Please write what the file is for.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # Japanese labels take no trailing colon
        super().__init__(*args, **kwargs)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = f"{obj.last_name} {obj.first_name}".strip()
        return f"{name}（{obj.get_username()}）" if name else obj.get_username()


class LogFilterForm(forms.Form):
    """Read from the query string: staff member, resident (by id only), action and period."""

    staff = StaffChoiceField(
        label=_("Staff member"),
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        empty_label=_("Everyone"),
    )
    resident = RecordIdField(widget=forms.HiddenInput, required=False)
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any action")), *Action.choices], required=False
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, today: datetime.date | None = None, **kwargs):
        monday, sunday = week_of(today or timezone.localdate())
        data = data.copy() if data is not None else {}
        # The default period is this week (Asia/Tokyo), also when the dates were left empty.
        if not data.get("date_from") and not data.get("date_to"):
            data["date_from"], data["date_to"] = monday.isoformat(), sunday.isoformat()
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def window(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """The period as aware datetimes in the site's time zone; the end day is included. The
        calendar's first and last days bound nothing (their edges are not datetimes)."""
        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        since = (
            timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
            if start and start > datetime.date.min
            else None
        )
        until = (
            timezone.make_aware(
                datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
            )
            if end and end < datetime.date.max
            else None
        )
        return since, until

    def filters(self) -> dict:
        """Arguments for audit.queries.entries."""
        since, until = self.window()
        staff = self.cleaned_data.get("staff")
        return {
            "user_id": staff.pk if staff else None,
            "resident_id": self.cleaned_data.get("resident"),
            "action": self.cleaned_data.get("action") or None,
            "since": since,
            "until": until,
        }


class ResidentFindForm(forms.Form):
    """Sent by POST, so a name or a phone number never lands in a URL or a proxy's log."""

    q = forms.CharField(
        label=_("Find a resident (kana name, phone number)"),
        max_length=100,
        error_messages={"required": _("Type a name or a phone number.")},
    )


class ExportForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of this export"),
        max_length=200,
        error_messages={
            "required": _("Write why you export the log (for example: monthly audit).")
        },
    )
