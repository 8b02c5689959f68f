"""The public booking pages' forms: they validate and convert what residents type."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from classes.forms import DeskFilterForm
from residents.forms import PHONE_INVALID, KanaField
from residents.normalize import is_mobile, normalize_kana, parse_phone, to_e164
from selfbook.services import CODE_DIGITS


class CalendarFilterForm(DeskFilterForm):
    """The calendar's filters, in the query string (nothing personal in them): the desk's
    filters, upcoming sessions only."""

    def filters(self):
        filters = super().filters()
        filters["include_cancelled"] = False
        return filters


class BookForm(forms.Form):
    family_name = forms.CharField(
        label=_("Family name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    given_name = forms.CharField(
        label=_("Given name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name_kana = KanaField(
        label=_("Family name in kana"),
        max_length=100,
        help_text=_("For example: やまだ"),
    )
    given_name_kana = KanaField(
        label=_("Given name in kana"),
        max_length=100,
        help_text=_("For example: たろう"),
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=30,
        help_text=_("We send a six-digit code to this number by text message (SMS)."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    consent_contact = forms.BooleanField(
        label=_(
            "I agree that the city keeps my name and mobile number for my bookings and sends "
            "me text messages about them."
        ),
        error_messages={"required": _("Please tick this box to book here.")},
    )
    consent_data_use = forms.BooleanField(
        label=_(
            "I also agree that my details are used, without my name, to see how well the "
            "city's classes work (optional)."
        ),
        required=False,
    )
    # One companion, booked together (all optional; the names go together).
    companion_family_name = forms.CharField(
        label=_("Companion's family name"), max_length=50, required=False
    )
    companion_given_name = forms.CharField(
        label=_("Companion's given name"), max_length=50, required=False
    )
    companion_family_name_kana = KanaField(
        label=_("Companion's family name in kana"), max_length=100, required=False
    )
    companion_given_name_kana = KanaField(
        label=_("Companion's given name in kana"), max_length=100, required=False
    )
    companion_phone = forms.CharField(
        label=_("Companion's own mobile phone number (optional)"),
        max_length=30,
        required=False,
        help_text=_(
            "Only to find their record. We send nothing to it: the messages for both of you "
            "go to your mobile number above."
        ),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    companion_consent = forms.BooleanField(
        label=_(
            "My companion agrees that the city keeps their name for this booking and sends "
            "the messages about it to my mobile number."
        ),
        required=False,
    )
    waitlist_together = forms.BooleanField(
        label=_(
            "If there are not seats for both of us, put us both on the waitlist together "
            "(2名そろってキャンセル待ち)."
        ),
        required=False,
    )
    nonce = forms.UUIDField(widget=forms.HiddenInput)

    COMPANION_NAMES = (
        "companion_family_name",
        "companion_given_name",
        "companion_family_name_kana",
        "companion_given_name_kana",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_companion_family_name(self):
        return unicodedata.normalize("NFKC", self.cleaned_data["companion_family_name"]).strip()

    def clean_companion_given_name(self):
        return unicodedata.normalize("NFKC", self.cleaned_data["companion_given_name"]).strip()

    def clean_companion_phone(self):
        typed = self.cleaned_data["companion_phone"].strip()
        return _mobile(typed) if typed else ""

    def clean(self):
        data = super().clean()
        typed = [name for name in self.COMPANION_NAMES if data.get(name)]
        if not typed and not data.get("companion_phone"):
            return data
        if self.has_error("companion_phone") or any(
            self.has_error(name) for name in self.COMPANION_NAMES
        ):
            return data
        for name in self.COMPANION_NAMES:
            if not data.get(name):
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Please fill in your companion's name and its kana too."),
                        code="companion_incomplete",
                    ),
                )
        if not data.get("companion_consent"):
            self.add_error(
                "companion_consent",
                forms.ValidationError(
                    _("Please tick this box to book for your companion too."),
                    code="companion_consent",
                ),
            )
        same = normalize_kana(
            data.get("companion_family_name_kana", "") + data.get("companion_given_name_kana", "")
        ) == normalize_kana(data.get("family_name_kana", "") + data.get("given_name_kana", ""))
        if same and not self.errors:
            self.add_error(
                "companion_given_name_kana",
                forms.ValidationError(
                    _("The companion's name is the same as yours. Please check it."),
                    code="companion_same",
                ),
            )
        return data

    def companion(self) -> dict[str, str] | None:
        """The companion's details for webbooking_start, or None when there is none."""
        data = self.cleaned_data
        if not data.get("companion_family_name_kana"):
            return None
        return {
            "family_name": data["companion_family_name"],
            "given_name": data["companion_given_name"],
            "family_name_kana": data["companion_family_name_kana"],
            "given_name_kana": data["companion_given_name_kana"],
            "phone": data["companion_phone"],
        }

    def clean_family_name(self):
        return unicodedata.normalize("NFKC", self.cleaned_data["family_name"]).strip()

    def clean_given_name(self):
        return unicodedata.normalize("NFKC", self.cleaned_data["given_name"]).strip()

    def clean_phone(self):
        return _mobile(self.cleaned_data["phone"])


def _mobile(typed: str) -> str:
    number = parse_phone(typed)
    if number is None:
        raise forms.ValidationError(PHONE_INVALID, code="invalid_phone")
    if not is_mobile(number):
        raise forms.ValidationError(
            _(
                "Please enter a mobile number (starting 090, 080 or 070). "
                "For a home phone, please book by phone."
            ),
            code="not_mobile",
        )
    return to_e164(number)


class CodeForm(forms.Form):
    # Asked again on the code page when a companion comes (the choice made on the form first).
    waitlist_together = forms.BooleanField(
        label=_("If there are not seats for both of us, put us both on the waitlist together."),
        required=False,
    )
    code = forms.CharField(
        label=_("The six-digit code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": "8"}
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_code(self):
        text = unicodedata.normalize("NFKC", self.cleaned_data["code"])
        digits = "".join(c for c in text if not c.isspace() and c != "-")
        if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
            raise forms.ValidationError(
                _("Please enter the six digits from the text message."), code="not_a_code"
            )
        return digits
