"""This app's rows of the access matrix (tests/test_access_matrix.py).

PAGES: url name -> (permission, argument key), as in the matrix. `objects` makes what the
URLs need and returns {argument key: value}; `base` holds the matrix's own objects (venue,
session, booking, resident … as primary keys) and `users` the role users.
"""

from accounts.access import Perm
from surveys.importer import import_upload
from surveys.models import Channel, Invitation, Response, Survey
from surveys.services import survey_from_template

PUBLIC = "public"
M, E = Perm.SURVEYS_MANAGE, Perm.SURVEYS_ENTER

PAGES = {
    "surveys:list": (M, None),
    "surveys:from_template": (M, None),
    "surveys:detail": (M, "survey"),
    "surveys:question_add": (M, "survey"),
    "surveys:question_edit": (M, "survey_question"),
    "surveys:question_move": (M, "survey_question"),
    "surveys:question_delete": (M, "survey_question"),
    "surveys:option_add": (M, "survey_question"),
    "surveys:option_move": (M, "survey_option"),
    "surveys:option_delete": (M, "survey_option"),
    "surveys:tables": (M, "survey"),
    "surveys:export": (M, "survey"),
    "surveys:import": (M, "survey"),
    "surveys:import_batch": (M, "survey_import"),
    "surveys:invitations": (M, "survey"),
    "surveys:paper_list": (E, None),
    "surveys:grid": (E, "survey"),
    "surveys:grid_delete": (E, "survey_paper_form"),
    "surveys:answer_ticket": (PUBLIC, "token"),
    "surveys:answer_invitation": (PUBLIC, "survey_invitation"),
    "surveys:answer_public": (PUBLIC, "survey_public"),
}


def objects(*, make, base, users):
    survey = survey_from_template(user=users["dx"], template="post_class")
    survey.status = Survey.Status.OPEN
    survey.public_link = True
    survey.save()
    question = survey.questions.get(kind="multi")
    paper = Response.objects.create(
        survey=survey, version=1, channel=Channel.PAPER, entered_by=users["desk"]
    )
    batch = import_upload(
        survey=survey, user=users["dx"], filename="a.csv", content="問1,問2\n5,1\n".encode()
    )
    return {
        "survey": survey.pk,
        "survey_question": question.pk,
        "survey_option": question.options.first().pk,
        "survey_import": batch.pk,
        "survey_paper_form": paper.pk,
        "survey_invitation": Invitation.objects.create(survey=survey).token,
        "survey_public": survey.public_token,
    }
