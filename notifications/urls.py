from django.urls import path

from notifications import views, webhooks

app_name = "notifications"

urlpatterns = [
    path("messages/", views.message_list, name="message_list"),
    path("messages/<int:pk>/", views.message_detail, name="message_detail"),
    path("messages/<int:pk>/cancel/", views.message_cancel, name="message_cancel"),
    path("messages/resume/", views.sending_resume, name="sending_resume"),
    path("residents/<int:resident_id>/", views.resident_messages, name="resident_messages"),
    path("calls/", views.call_list, name="call_list"),
    path("calls/<int:pk>/outcome/", views.call_outcome, name="call_outcome"),
    # Twilio's webhooks: signed by Twilio, no login (the message token names the message).
    path("hooks/status/<str:token>/", webhooks.hook_status, name="hook_status"),
    path("hooks/sms/", webhooks.hook_sms, name="hook_sms"),
    path("hooks/voice/<str:token>/", webhooks.hook_voice, name="hook_voice"),
]
