"""The topic list the DX office keeps: order, names, whether the form shows them, and which
classes a follow-up suggests for each."""

from django import forms
from django.contrib import admin

from classes.models import Category
from consultations.models import Topic


class TopicForm(forms.ModelForm):
    course_categories = forms.MultipleChoiceField(
        label=Topic._meta.get_field("course_categories").verbose_name,
        help_text=Topic._meta.get_field("course_categories").help_text,
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Topic
        fields = ["name", "key", "position", "is_active", "course_categories"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = TopicForm
    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "key"]
    ordering = ["position", "pk"]
