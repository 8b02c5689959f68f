from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from residents.forms import ResidentForm
from residents.models import Resident, ResidentEvent
from residents.normalize import normalize_kana, phone_prefix_e164


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    # The registry's form, so phone numbers are checked and stored E.164 here too.
    form = ResidentForm
    list_display = [
        "id",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "birth_year",
        "phone_mobile",
        "phone_home",
        "district",
        "merged_into",
    ]
    list_display_links = ["id", "family_name", "given_name"]
    list_filter = [
        "gender",
        "smartphone",
        "preferred_contact",
        "district",
        "consent_contact",
        "consent_data_use",
        ("merged_into", admin.EmptyFieldListFilter),
    ]
    search_fields = [
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "kana_key",
        "name_key",
        "phone_mobile",
        "phone_home",
    ]
    list_select_related = ["merged_into"]
    raw_id_fields = ["merged_into", "created_by"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {"fields": [("family_name", "given_name"), ("family_name_kana", "given_name_kana")]},
        ),
        (_("Birth"), {"fields": [("birth_date", "birth_year"), "gender"]}),
        (
            _("Phone and contact"),
            {"fields": [("phone_mobile", "phone_home"), "smartphone", "preferred_contact"]},
        ),
        (_("Consent"), {"fields": ["consent_contact", "consent_data_use", "consent_date"]}),
        (None, {"fields": ["district", "notes"]}),
        (_("Record"), {"fields": ["merged_into", "created_by", "created_at", "updated_at"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        # Numbers are stored E.164 and readings normalised: search them the way the desk does.
        prefix = phone_prefix_e164(search_term)
        if prefix:
            condition = Q(phone_mobile__startswith=prefix) | Q(phone_home__startswith=prefix)
            return queryset.filter(condition), False
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        kana = normalize_kana(search_term)
        if kana:
            found |= queryset.filter(kana_key__startswith=kana)
        return found, may_have_duplicates

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Admin edits leave the same trace as edits on the staff pages.
        ResidentEvent.objects.create(
            resident=obj,
            kind=ResidentEvent.Kind.UPDATED if change else ResidentEvent.Kind.CREATED,
            fields=[name for name in form.changed_data if name != "version"] if change else [],
            detail=_("Changed in the admin site") if change else _("Registered in the admin site"),
            actor=request.user,
        )


@admin.register(ResidentEvent)
class ResidentEventAdmin(admin.ModelAdmin):
    """History is written by the services; the admin only reads it."""

    list_display = ["at", "resident", "kind", "other", "actor"]
    list_filter = ["kind", "at"]
    search_fields = ["resident__kana_key", "resident__name_key", "detail"]
    list_select_related = ["resident", "other", "actor"]
    raw_id_fields = ["resident", "other", "actor"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
