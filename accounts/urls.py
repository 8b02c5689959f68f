from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/", views.invitation_detail, name="invitation_detail"),
    path("invitations/<int:pk>/withdraw/", views.invitation_withdraw, name="invitation_revoke"),
    # The invitee's link: no login, the unguessable token is the key.
    path("invite/<str:token>/", views.invitation_accept_page, name="invitation_accept"),
]
