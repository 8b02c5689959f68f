from django.urls import path

from residents import views

app_name = "residents"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("search/", views.resident_search_view, name="search"),
    path("new/", views.resident_create_view, name="create"),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/edit/", views.resident_edit, name="edit"),
    path("<int:pk>/merge/", views.resident_merge_view, name="merge"),
]
