import pytest

from surveys.models import Survey
from surveys.services import survey_from_template


@pytest.fixture
def citizen(dx_user):
    survey = survey_from_template(user=dx_user, template="citizen")
    survey.status = Survey.Status.OPEN
    survey.public_link = True
    survey.save()
    return survey


@pytest.fixture
def post_class(dx_user):
    survey = survey_from_template(user=dx_user, template="post_class")
    survey.status = Survey.Status.OPEN
    survey.save()
    return survey
