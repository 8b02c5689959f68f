"""Admin for plans, their indicators and targets, edited from the plan down."""

from django.contrib import admin

from reports.models import Indicator, Plan, Target


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["order", "name", "metric", "categories"]
    extra = 0
    show_change_link = True


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "start_fy", "end_fy"]
    list_filter = ["municipality", "start_fy"]
    search_fields = ["name", "municipality"]
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "metric", "order"]
    list_filter = ["metric", "plan"]
    search_fields = ["name", "plan__name", "plan__municipality"]
    list_select_related = ["plan"]
    filter_horizontal = ["venues", "partners", "topics"]
    inlines = [TargetInline]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["indicator", "value", "target_date", "baseline_value", "baseline_date"]
    list_filter = ["indicator__plan", "target_date"]
    search_fields = ["indicator__name", "indicator__plan__name"]
    list_select_related = ["indicator"]
