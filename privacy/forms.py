from django import forms
from django.utils.translation import gettext_lazy as _


class DisclosureForm(forms.Form):
    purpose = forms.CharField(
        label=_("Request reference or purpose"),
        max_length=200,
        help_text=_("For example the request's receipt number (開示請求 第12号)."),
        error_messages={"required": _("Please write the request's reference or purpose.")},
    )
    file_format = forms.ChoiceField(
        label=_("File"),
        choices=[("pdf", _("PDF to print and hand over")), ("json", _("JSON (machine-readable)"))],
        initial="pdf",
        widget=forms.RadioSelect,
    )


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for erasure"),
        max_length=200,
        help_text=_("For example the request's receipt number (消去請求 第3号). No names here."),
        error_messages={"required": _("Please write why the data is erased.")},
    )
    understood = forms.BooleanField(
        label=_("I understand that the erased details cannot be brought back."),
        error_messages={"required": _("Please tick the box to confirm the erasure.")},
    )
