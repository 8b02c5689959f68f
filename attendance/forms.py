import uuid
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import RecordIdField
from residents.forms import PHONE_INVALID, KanaField
from residents.normalize import is_mobile, parse_phone, to_e164

# A scanner label kept in the browser, e.g. "会場端末-7KQ2"; the check-in log stores 64 chars.
DEVICE_MAX_LENGTH = 64
# A QR code holds the ticket URL; anything much longer is not one of ours.
SCAN_MAX_LENGTH = 500


@dataclass(frozen=True)
class ScanRequest:
    session: int
    code: str
    nonce: uuid.UUID
    device: str


def scan_request(payload):
    """What the scanner page sent to the check-in API (JSON), checked; None when malformed.

    Checked by hand rather than by a Form: this runs for every senior in the queue, and a
    Form's field copying costs more than the rest of the request's Python.
    """
    if not isinstance(payload, dict):
        return None
    session, code = payload.get("session"), payload.get("code")
    nonce, device = payload.get("nonce"), payload.get("device") or ""
    if isinstance(session, str) and session.isdecimal():
        session = int(session)
    if type(session) is not int or session < 1:
        return None
    if not isinstance(code, str) or not code.strip() or len(code) > SCAN_MAX_LENGTH:
        return None
    if not isinstance(device, str) or len(device) > DEVICE_MAX_LENGTH * 4:
        return None
    try:
        nonce = uuid.UUID(nonce)
    except (TypeError, ValueError, AttributeError):
        return None
    return ScanRequest(session, code.strip(), nonce, device.strip()[:DEVICE_MAX_LENGTH])


class RosterCheckInForm(forms.Form):
    """The 出席 button on a roster line."""

    booking = RecordIdField()
    nonce = forms.UUIDField()
    device = forms.CharField(max_length=DEVICE_MAX_LENGTH * 4, required=False)


class UndoForm(forms.Form):
    checkin = RecordIdField()


class WalkInForm(forms.Form):
    """Someone who came without a seat: a resident found by search (`resident`), or a new one
    registered with the few details the venue can take down."""

    resident = RecordIdField(required=False, widget=forms.HiddenInput)
    family_name = forms.CharField(label=_("Family name"), max_length=50, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=50, required=False)
    family_name_kana = KanaField(label=_("Family name (kana)"), max_length=100, required=False)
    given_name_kana = KanaField(label=_("Given name (kana)"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    over_capacity_reason = forms.CharField(
        label=_("Reason for admitting over capacity"),
        help_text=_("Only when the session is full, e.g. “a seat is free: someone left early”."),
        max_length=200,
        required=False,
    )
    confirm_new = forms.BooleanField(
        label=_("None of these: register as a new person"), required=False
    )
    nonce = forms.UUIDField(widget=forms.HiddenInput)
    # scanner.js fills in the device label it keeps in the browser.
    device = forms.CharField(
        max_length=DEVICE_MAX_LENGTH * 4,
        required=False,
        widget=forms.HiddenInput(attrs={"data-device": ""}),
    )

    NEW_PERSON_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # Japanese labels take no trailing colon
        super().__init__(*args, **kwargs)

    def clean_phone(self):
        text = self.cleaned_data.get("phone", "").strip()
        if not text:
            return None
        number = parse_phone(text)
        if number is None:
            raise forms.ValidationError(PHONE_INVALID, code="invalid_phone")
        return number

    def clean_device(self):
        return self.cleaned_data["device"][:DEVICE_MAX_LENGTH]

    def clean(self):
        data = super().clean()
        if not data.get("resident"):
            for name in self.NEW_PERSON_FIELDS:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, forms.ValidationError(_("Please fill this in.")))
        return data

    @property
    def is_new_person(self):
        return not self.cleaned_data.get("resident")

    def new_resident(self):
        """The new resident's fields for walkin_checkin (mobile or home by the number)."""
        fields = {name: self.cleaned_data[name].strip() for name in self.NEW_PERSON_FIELDS}
        number = self.cleaned_data.get("phone")
        if number is not None:
            fields["phone_mobile" if is_mobile(number) else "phone_home"] = to_e164(number)
        return fields
