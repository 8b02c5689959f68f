from django.forms.renderers import TemplatesSetting


class TsunaguFormRenderer(TemplatesSetting):
    """Every form renders the same way: a `.field` block per field, errors next to it."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"
