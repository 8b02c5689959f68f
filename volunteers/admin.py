"""Admin for the volunteers app: the DX office's fallback for anything the pages do not cover
(course staffing ratios in particular)."""

from django.contrib import admin

from volunteers.models import (
    Assignment,
    AvailabilityException,
    AvailabilityWindow,
    CourseStaffing,
    MatchingRun,
    Qualification,
    ShiftNeed,
    Volunteer,
)


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0


class WindowInline(admin.TabularInline):
    model = AvailabilityWindow
    extra = 0


class ExceptionInline(admin.TabularInline):
    model = AvailabilityException
    extra = 0


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["full_name", "full_name_kana", "status", "district", "max_shifts_per_month"]
    list_filter = ["status", "venues"]
    search_fields = ["family_name", "given_name", "family_name_kana", "given_name_kana", "phone"]
    filter_horizontal = ["venues"]
    raw_id_fields = ["user", "approved_by"]
    exclude = ["calendar_token"]
    inlines = [QualificationInline, WindowInline, ExceptionInline]


@admin.register(CourseStaffing)
class CourseStaffingAdmin(admin.ModelAdmin):
    list_display = ["course", "leads", "participants_per_assistant", "receptionists"]
    list_select_related = ["course"]


@admin.register(ShiftNeed)
class ShiftNeedAdmin(admin.ModelAdmin):
    list_display = ["session", "role", "count", "follows_bookings"]
    list_filter = ["role"]
    list_select_related = ["session__course", "session__venue"]
    raw_id_fields = ["session"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "session", "status", "source", "checked_in_at", "checked_out_at"]
    list_filter = ["status", "source"]
    list_select_related = ["volunteer", "session__course", "session__venue"]
    raw_id_fields = ["need", "session", "volunteer", "run", "confirmed_by", "created_by"]


@admin.register(MatchingRun)
class MatchingRunAdmin(admin.ModelAdmin):
    list_display = ["period_start", "period_end", "status", "covered", "places", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["unfilled"]
