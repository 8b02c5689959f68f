from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("retention/", views.retention_view, name="retention"),
    path("residents/<int:pk>/", views.rights_page, name="resident"),
    path("residents/<int:pk>/disclose/", views.disclose_view, name="disclose"),
    path("residents/<int:pk>/erase/", views.erase_view, name="erase"),
]
