from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.invitations import INVITABLE_ROLES
from classes.models import Venue
from config.forms import ModelMultipleChoiceField


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the new staff member"))
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(role.value, role.label) for role in INVITABLE_ROLES],
        widget=forms.CheckboxSelectMultiple,
    )
    venues = ModelMultipleChoiceField(
        label=_("Venues (for venue staff)"),
        queryset=Venue.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_days = forms.IntegerField(
        label=_("Days the link works"), min_value=1, max_value=30, initial=7
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_days"].initial = settings.INVITATION_VALID_DAYS


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only. You type it when you log in."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ. Please type them again."))
        elif first and data.get("username"):
            probe = get_user_model()(username=data["username"], email=self.email)
            try:
                password_validation.validate_password(first, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return data
