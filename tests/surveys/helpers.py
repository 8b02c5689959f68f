"""Record answers through the real services, by question position and option codes."""

from surveys.answers import check_answers
from surveys.models import Channel
from surveys.queries import questions_of
from surveys.services import response_submit


def answer(survey, *, channel=Channel.PAPER, user=None, **by_position):
    """answer(survey, q1=[1], q2=[1, 3], q5="text") — positions are 1-based."""
    questions = questions_of(survey)
    raw = {}
    for name, value in by_position.items():
        question = questions[int(name[1:]) - 1]
        raw[question.key] = {"text": value} if isinstance(value, str) else {"codes": value}
    checked = check_answers(questions, raw)
    assert checked.ok, checked.errors
    return response_submit(
        survey=survey, questions=questions, checked=checked, channel=channel, user=user
    )
