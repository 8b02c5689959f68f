import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.forms import DATE_INPUT_FORMATS
from residents.models import Contact, Gender, Resident
from residents.normalize import format_phone_national, is_mobile, parse_phone, to_e164
from residents.queries import EARLIEST_BIRTH_YEAR
from residents.services import EDITABLE_FIELDS
from residents.wareki import ERA_NAMES, NoSuchDay, NotInEra, era_date_label, parse_japanese_date

# Hiragana, full- and half-width katakana (with the long vowel mark and middle dot), spaces.
_KANA_TEXT = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff\uff65-\uff9f\s\u3000]+$")

PHONE_INVALID = _("This phone number does not look right. Example: 090-1234-5678")

# Date formats a clerk may type where the browser has no date picker.


class KanaField(forms.CharField):
    """A reading in kana, stored as typed; search normalises it."""

    def validate(self, value):
        super().validate(value)
        if value and not _KANA_TEXT.match(value):
            raise forms.ValidationError(
                _("Please write the reading in hiragana or katakana."), code="not_kana"
            )


class EraDateWidget(forms.MultiWidget):
    """A text box for the date as said, and the era that a bare two-digit year belongs to."""

    template_name = "residents/widgets/era_date.html"
    use_fieldset = False  # a plain label for the text box, as the other fields have

    def __init__(self, attrs=None, default_era="昭和"):
        self.default_era = default_era
        text = forms.TextInput(
            attrs={
                "autocomplete": "off",
                "placeholder": _("e.g. 昭和25年5月12日, S25.5.12, 1950-05-12"),
            }
        )
        era = forms.Select(choices=[(name, name) for name in ERA_NAMES])
        # Named birth_date and birth_date_era, so the date alone can be posted as before.
        super().__init__({"": text, "era": era}, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [era_date_label(value), self.default_era]
        return [value or "", self.default_era]

    def id_for_label(self, id_):
        # The field's label names the text box; the era choice carries its own label.
        return f"{id_}_0" if id_ else id_


class EraDateField(forms.Field):
    """A date as seniors give it: 昭和25年5月12日, S25.5.12, 25/5/12 with its era, 1950-05-12.

    Never the browser's own date picker, which reads mm/dd/yyyy in some locales."""

    widget = EraDateWidget
    default_error_messages = {
        "invalid": _(
            "This date could not be read. Write it like 昭和25年5月12日, S25.5.12 or 1950-05-12."
        ),
        "no_such_day": _(
            "This date does not exist. Check the year, month and day (e.g. 1950-04-01)."
        ),
        "not_in_era": _("This date does not exist in that era. Please check the era and the year."),
    }

    def __init__(self, *, default_era="昭和", **kwargs):
        self.default_era = default_era
        kwargs.setdefault("widget", EraDateWidget(default_era=default_era))
        super().__init__(**kwargs)

    def to_python(self, value):
        text, era = (value + ["", ""])[:2] if isinstance(value, list | tuple) else (value, "")
        if isinstance(text, datetime.date):
            return text
        text = (text or "").strip()
        if not text:
            return None
        try:
            return parse_japanese_date(text, era or self.default_era)
        except NoSuchDay as error:
            message = self.error_messages["no_such_day"]
            raise forms.ValidationError(message, code="invalid") from error
        except NotInEra as error:
            message = self.error_messages["not_in_era"]
            raise forms.ValidationError(message, code="not_in_era") from error
        except ValueError as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error

    def has_changed(self, initial, data):
        return self.to_python_or_none(initial) != self.to_python_or_none(data)

    def to_python_or_none(self, value):
        try:
            return self.to_python(value)
        except forms.ValidationError:
            return value


class ResidentForm(forms.ModelForm):
    family_name_kana = KanaField(label=_("Family name (kana)"), max_length=100)
    given_name_kana = KanaField(label=_("Given name (kana)"), max_length=100)
    birth_date = EraDateField(
        label=_("Date of birth"),
        required=False,
        help_text=_("For a year like 25/5/12, choose its era next to the box."),
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth only"),
        help_text=_("When only the year is known, e.g. 1950."),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        max_value=9999,
        error_messages={
            "invalid": _("Enter the year as four digits, e.g. 1950."),
            "max_value": _("Enter the year as four digits, e.g. 1950."),
        },
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", _("Not asked")), *Gender.choices],
        widget=forms.RadioSelect(attrs={"class": "choice-row"}),
    )
    phone_mobile = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    phone_home = forms.CharField(
        label=_("Home phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    consent_date = forms.DateField(
        label=_("Date of consent"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("This date does not exist. Check the year, month and day.")},
    )

    class Meta:
        model = Resident
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "smartphone": forms.RadioSelect(attrs={"class": "choice-row"}),
            "preferred_contact": forms.RadioSelect(attrs={"class": "choice-row"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # Japanese labels take no trailing colon
        super().__init__(*args, **kwargs)
        # Stored E.164, shown the way the clerk reads it out.
        for name in ("phone_mobile", "phone_home"):
            if self.instance.pk and getattr(self.instance, name):
                self.initial[name] = format_phone_national(getattr(self.instance, name))
        # The year is derived from a full date; showing both would invite a mismatch.
        if self.instance.pk and self.instance.birth_date:
            self.initial["birth_year"] = None
        if not self.instance.pk and "consent_date" not in self.initial:
            self.initial["consent_date"] = timezone.localdate()

    def _clean_phone(self, name, *, mobile):
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return ""
        number = parse_phone(text)
        if number is None:
            raise forms.ValidationError(PHONE_INVALID, code="invalid_phone")
        if mobile and not is_mobile(number):
            raise forms.ValidationError(
                _("This is not a mobile number. Please enter it as the home phone."),
                code="not_mobile",
            )
        return to_e164(number)

    def clean_phone_mobile(self):
        return self._clean_phone("phone_mobile", mobile=True)

    def clean_phone_home(self):
        return self._clean_phone("phone_home", mobile=False)

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value is None:
            return None
        if value > timezone.localdate():
            raise forms.ValidationError(
                _("The date of birth is in the future. Please check the year."), code="future"
            )
        if value.year < EARLIEST_BIRTH_YEAR:
            raise forms.ValidationError(
                _("Please check the year: dates of birth before 1900 are not accepted."),
                code="too_early",
            )
        return value

    def clean_birth_year(self):
        value = self.cleaned_data.get("birth_year")
        if value is None:
            return None
        if not EARLIEST_BIRTH_YEAR <= value <= timezone.localdate().year:
            raise forms.ValidationError(
                _("Enter a year between %(first)d and %(last)d.")
                % {"first": EARLIEST_BIRTH_YEAR, "last": timezone.localdate().year},
                code="year_range",
            )
        return value

    def clean_consent_date(self):
        value = self.cleaned_data.get("consent_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(
                _("The date of consent cannot be in the future."), code="future"
            )
        return value

    def clean(self):
        data = super().clean()
        birth_date, birth_year = data.get("birth_date"), data.get("birth_year")
        if birth_date and birth_year and birth_date.year != birth_year:
            self.add_error(
                "birth_year",
                forms.ValidationError(
                    _("The year does not match the date of birth. Leave one of them empty."),
                    code="year_mismatch",
                ),
            )
        consent_given = data.get("consent_contact") or data.get("consent_data_use")
        if not consent_given:
            # The proposed date means nothing without a consent box ticked.
            data["consent_date"] = None
        elif not data.get("consent_date") and "consent_date" not in self.errors:
            self.add_error(
                "consent_date",
                forms.ValidationError(
                    _("Enter the date the consent was given."), code="consent_date"
                ),
            )
        contact = data.get("preferred_contact")
        # Only judge the contact choice once both phone fields are readable.
        if "phone_mobile" not in self.errors and "phone_home" not in self.errors:
            if contact == Contact.SMS and not data.get("phone_mobile"):
                self.add_error(
                    "preferred_contact",
                    forms.ValidationError(
                        _("SMS needs a mobile number. Enter one or choose another way."),
                        code="sms_needs_mobile",
                    ),
                )
            if contact == Contact.VOICE and not (
                data.get("phone_mobile") or data.get("phone_home")
            ):
                self.add_error(
                    "preferred_contact",
                    forms.ValidationError(
                        _("A voice call needs a phone number. Enter one or choose another way."),
                        code="voice_needs_phone",
                    ),
                )
        return data

    def resident_fields(self):
        """The cleaned values the services take, by field name."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ResidentEditForm(ResidentForm):
    """The edit form also carries the version it was opened at, to catch a stale save."""

    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "version" not in self.initial:
            self.initial["version"] = self.instance.updated_at.isoformat()


class DuplicateConfirmForm(forms.Form):
    not_duplicate = forms.BooleanField(
        label=_("This is a different person (not a duplicate)"), required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MergeForm(forms.Form):
    """Which of the two records stays; the other is merged into it."""

    keep = forms.TypedChoiceField(
        label=_("Which record stays?"), coerce=int, widget=forms.RadioSelect
    )

    def __init__(self, *args, first, second, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.pair = {first.pk: first, second.pk: second}
        self.fields["keep"].choices = [
            (r.pk, _("No. %(id)s %(name)s") % {"id": r.pk, "name": r.full_name})
            for r in (first, second)
        ]
        self.fields["keep"].initial = first.pk

    def remove_id(self):
        keep = self.cleaned_data["keep"]
        return next(pk for pk in self.pair if pk != keep)
