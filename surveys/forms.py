import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models import Course, Session
from config.forms import ModelMultipleChoiceField
from surveys.models import Kind, Survey

# Sessions offered for attaching: recent and coming ones (older ones are reached via courses).
SESSION_WINDOW_BEFORE = datetime.timedelta(days=60)
SESSION_WINDOW_AFTER = datetime.timedelta(days=120)
TEXT_MARK = "[text]"
ONLY_MARK = "[only]"
# More choices than any question has: a bigger number is a typing slip (the column is small).
MAX_CHOICES = 99


class SurveySettingsForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title", "intro", "status", "public_link", "courses", "sessions"]
        field_classes = {
            "courses": ModelMultipleChoiceField,
            "sessions": ModelMultipleChoiceField,
        }
        widgets = {
            "courses": forms.CheckboxSelectMultiple,
            "intro": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "courses": _("The survey opens on the ticket page after check-in for these courses."),
            "sessions": _("Or only for these sessions (hold Ctrl to choose several)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.now()
        self.fields["courses"].queryset = Course.objects.filter(is_active=True).order_by("title")
        self.fields["sessions"].queryset = (
            Session.objects.filter(
                starts_at__gte=now - SESSION_WINDOW_BEFORE,
                starts_at__lte=now + SESSION_WINDOW_AFTER,
            )
            .select_related("course", "venue")
            .order_by("starts_at")
        )
        self.fields["sessions"].label_from_instance = lambda s: (
            f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M} {s.course.title}（{s.venue.name}）"
        )


class NewSurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=Kind.choices)
    text = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Hint"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Answer required"), required=False)
    max_choices = forms.IntegerField(
        label=_("At most this many choices (multiple choice)"),
        min_value=1,
        max_value=MAX_CHOICES,
        required=False,
    )
    is_satisfaction = forms.BooleanField(
        label=_("This rating is the satisfaction question for reports"), required=False
    )
    options = forms.CharField(
        label=_("Options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "For single and multiple choice. End a line with [text] to let people write "
            "(その他), or with [only] for an answer that cannot be combined "
            "(わからない, 特にない). "
            "Rating, age band and gender questions get their options automatically."
        ),
    )

    def clean(self):
        data = super().clean()
        options = []
        for line in (data.get("options") or "").splitlines():
            label = line.strip()
            takes_text = exclusive = False
            if label.endswith(TEXT_MARK):
                label, takes_text = label[: -len(TEXT_MARK)].strip(), True
            elif label.endswith(ONLY_MARK):
                label, exclusive = label[: -len(ONLY_MARK)].strip(), True
            if label:
                options.append((label, takes_text, exclusive))
        data["option_list"] = options
        if data.get("kind") in (Kind.SINGLE, Kind.MULTI) and not options:
            self.add_error("options", _("A choice question needs at least one option."))
        return data


class QuestionEditForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Hint"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Answer required"), required=False)
    max_choices = forms.IntegerField(
        label=_("At most this many choices (multiple choice)"),
        min_value=1,
        max_value=MAX_CHOICES,
        required=False,
    )
    is_satisfaction = forms.BooleanField(
        label=_("This rating is the satisfaction question for reports"), required=False
    )


class OptionForm(forms.Form):
    label = forms.CharField(label=_("New option"), max_length=200)
    takes_text = forms.BooleanField(label=_("With free text (その他)"), required=False)
    exclusive = forms.BooleanField(
        label=_("Cannot be combined (わからない, 特にない)"), required=False
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "CSV in UTF-8 (with or without BOM) or Shift_JIS, or Excel's Unicode text (UTF-16, "
            "tab-separated); first line: headings."
        ),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload
