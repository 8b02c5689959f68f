from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_dashboard_view, name="plan_dashboard"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("plans/<int:pk>/export/", views.plan_export, name="plan_export"),
    path("plans/<int:pk>/exports/", views.export_start, name="export_start"),
    path("plans/<int:pk>/opendata/events.csv", views.opendata_events, name="opendata_events"),
    path(
        "plans/<int:pk>/opendata/participation.csv",
        views.opendata_participation,
        name="opendata_participation",
    ),
    path("plans/<int:pk>/programme/", views.programme_view, name="programme"),
    path("plans/<int:pk>/programme.csv", views.programme_export, name="programme_export"),
    path("indicators/<int:pk>/", views.indicator_breakdown, name="indicator_breakdown"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/targets/new/", views.target_create, name="target_create"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("consultations/", views.consultation_report_view, name="consultations"),
    path("consultations.csv", views.consultation_report_csv, name="consultations_csv"),
    path("consultations.xlsx", views.consultation_report_xlsx, name="consultations_xlsx"),
]
