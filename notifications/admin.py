from django.contrib import admin

from notifications.models import Call, CallOutcome, Message, MessageEvent, OptOut, SendingPause


class MessageEventInline(admin.TabularInline):
    model = MessageEvent
    extra = 0
    readonly_fields = ["status", "detail", "at"]
    can_delete = False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "purpose", "status", "attempts", "to"]
    list_filter = ["status", "channel", "purpose"]
    search_fields = ["to", "key", "provider_id"]
    readonly_fields = ["token", "claimed_at", "created_at", "updated_at"]
    inlines = [MessageEventInline]
    date_hierarchy = "created_at"


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ["phone", "keyword", "created_at"]
    search_fields = ["phone"]


class CallOutcomeInline(admin.TabularInline):
    model = CallOutcome
    extra = 0
    readonly_fields = ["outcome", "note", "by", "at"]
    can_delete = False


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["day", "purpose", "who", "status"]
    list_filter = ["status", "purpose", "day"]
    search_fields = ["who", "phone", "key"]
    inlines = [CallOutcomeInline]


@admin.register(SendingPause)
class SendingPauseAdmin(admin.ModelAdmin):
    list_display = ["started_at", "transport", "error", "ended_at", "ended_why", "ended_by"]
    readonly_fields = ["transport", "fingerprint", "error", "started_at", "probe_after"]
