"""Admin for every classes model: useful filters and search, related rows loaded up front."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from classes.models import (
    Booking,
    BookingEvent,
    ConsultationDay,
    Course,
    Partner,
    Series,
    SeriesException,
    SeriesPart,
    Session,
    Venue,
)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "contact_name", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "contact_name", "phone"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "municipality_code",
        "address",
        "capacity",
        "has_wifi",
        "loaner_devices",
        "is_active",
    ]
    list_filter = ["is_active", "has_wifi"]
    search_fields = ["name", "address", "postal_code"]
    filter_horizontal = ["staff"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "device_os", "partner", "default_capacity", "is_active"]
    list_filter = ["category", "device_os", "partner", "is_active"]
    search_fields = ["title", "description", "partner__name"]
    list_select_related = ["partner"]


class SeriesPartInline(admin.TabularInline):
    model = SeriesPart
    extra = 0
    autocomplete_fields = ["course"]


class SeriesExceptionInline(admin.TabularInline):
    model = SeriesException
    extra = 0


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "venue",
        "frequency",
        "weekday",
        "start_date",
        "end_date",
        "book_as_whole",
        "session_count",
    ]
    list_filter = ["frequency", "book_as_whole", "skip_holidays", "venue"]
    search_fields = ["title", "venue__name"]
    date_hierarchy = "start_date"
    inlines = [SeriesPartInline, SeriesExceptionInline]
    list_select_related = ["venue"]
    readonly_fields = ["created_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("sessions"))

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, series):
        return series.session_count


@admin.register(ConsultationDay)
class ConsultationDayAdmin(admin.ModelAdmin):
    list_display = ["date", "start_time", "end_time", "venue", "course", "slot_minutes", "desks"]
    list_filter = ["venue", "course"]
    search_fields = ["venue__name", "course__title"]
    date_hierarchy = "date"
    list_select_related = ["venue", "course"]
    readonly_fields = ["created_by"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "course", "venue", "capacity", "status"]
    list_filter = ["status", "venue", "course__category", "course__device_os"]
    search_fields = ["course__title", "venue__name", "notes"]
    date_hierarchy = "starts_at"
    list_select_related = ["course", "venue"]
    raw_id_fields = ["series", "consultation_day", "cancelled_by"]
    autocomplete_fields = ["course", "venue"]


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "from_status", "to_status", "reason", "note", "actor")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["number", "resident", "session", "status", "cancel_reason", "created_at"]
    list_filter = ["status", "cancel_reason", "session__course__category", "session__venue"]
    search_fields = [
        "resident__kana_key",
        "resident__family_name_kana",
        "resident__given_name_kana",
        "resident__family_name",
        "resident__given_name",
        "session__course__title",
    ]
    date_hierarchy = "created_at"
    raw_id_fields = ["session", "resident", "series", "group", "created_by"]
    list_select_related = ["resident", "session__course", "session__venue"]
    inlines = [BookingEventInline]

    @admin.display(description=_("booking number"), ordering="pk")
    def number(self, booking):
        return booking.number


@admin.register(BookingEvent)
class BookingEventAdmin(admin.ModelAdmin):
    list_display = ["at", "booking", "from_status", "to_status", "reason", "actor"]
    list_filter = ["to_status", "from_status", "reason"]
    search_fields = ["booking__resident__kana_key", "reason", "note"]
    date_hierarchy = "at"
    raw_id_fields = ["booking", "actor"]
    list_select_related = ["booking", "actor"]
