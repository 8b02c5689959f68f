from django.urls import path

from surveys.views import answer, build, paper, tables

app_name = "surveys"

urlpatterns = [
    # The DX office: build surveys, see tables, export, import (Perm.SURVEYS_MANAGE)
    path("surveys/", build.survey_list, name="list"),
    path("surveys/new/from-template/", build.from_template, name="from_template"),
    path("surveys/<int:pk>/", build.survey_detail, name="detail"),
    path("surveys/<int:pk>/questions/add/", build.question_add_view, name="question_add"),
    path("surveys/questions/<int:pk>/", build.question_edit, name="question_edit"),
    path("surveys/questions/<int:pk>/move/", build.question_move_view, name="question_move"),
    path("surveys/questions/<int:pk>/delete/", build.question_delete_view, name="question_delete"),
    path("surveys/questions/<int:pk>/options/add/", build.option_add_view, name="option_add"),
    path("surveys/options/<int:pk>/move/", build.option_move_view, name="option_move"),
    path("surveys/options/<int:pk>/delete/", build.option_delete_view, name="option_delete"),
    path("surveys/<int:pk>/tables/", tables.tables, name="tables"),
    path("surveys/<int:pk>/export/", tables.export, name="export"),
    path("surveys/<int:pk>/import/", tables.import_upload_view, name="import"),
    path("surveys/imports/<int:pk>/", tables.import_batch, name="import_batch"),
    path("surveys/<int:pk>/invitations/", tables.invitations, name="invitations"),
    # Desk staff: paper forms (Perm.SURVEYS_ENTER)
    path("surveys/paper/", paper.paper_list, name="paper_list"),
    path("surveys/<int:pk>/paper/", paper.grid, name="grid"),
    path("surveys/paper/forms/<int:pk>/delete/", paper.grid_delete, name="grid_delete"),
    # Residents, no login: the token is the key
    path("s/t/<str:token>/", answer.answer_ticket, name="answer_ticket"),
    path("s/i/<str:token>/", answer.answer_invitation, name="answer_invitation"),
    path("s/p/<str:token>/", answer.answer_public, name="answer_public"),
]
