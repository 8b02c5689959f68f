from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.access_log, name="log"),
    path("find-resident/", views.access_log_find_resident, name="find_resident"),
    path("export/", views.access_log_export, name="export"),
]
urlpatterns += [
    path("register/", views.file_register_page, name="register"),
    path("register.pdf", views.file_register_pdf, name="register_pdf"),
]
