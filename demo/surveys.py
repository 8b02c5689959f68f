"""The demo city's surveys: the post-class survey attached to the smartphone courses, answered
after ~150 past sessions' check-ins, and the citizen digitalisation survey with ~300 answers
(public link and paper). Deterministic random; created once, a second run changes nothing."""

import datetime
import random

from django.utils import timezone

from classes.models import Booking, BookingStatus, Category, Course
from surveys.answers import check_answers, prefill_profile
from surveys.models import Channel, Kind, Response, Survey
from surveys.queries import questions_of
from surveys.services import response_submit, survey_from_template

POST_CLASS_ANSWERS = 150
CITIZEN_ANSWERS = 300
SMALL_FACTOR = 5
SMARTPHONE = (Category.SMARTPHONE_INTRO, Category.SMARTPHONE_BASIC, Category.SMARTPHONE_ADVANCED)
COMMENTS = [
    "ゆっくり教えてもらえてよかったです。",
    "写真を孫に送れるようになりました。",
    "もう少し時間がほしかった。",
    "説明が早くてついていけないところがありました。",
    "また参加したいです。",
]


def seed(*, users, small, seed):
    """Create this area's demo data unless it exists; True when something was created."""
    if Survey.objects.filter(template__in=("post_class", "citizen")).exists():
        return False
    rng = random.Random(f"{seed}-surveys")
    dx = users["dxoffice"]
    post_class = survey_from_template(user=dx, template="post_class")
    post_class.status = Survey.Status.OPEN
    post_class.save(update_fields=["status"])
    post_class.courses.set(Course.objects.filter(category__in=SMARTPHONE))
    citizen = survey_from_template(user=dx, template="citizen")
    citizen.status = Survey.Status.OPEN
    citizen.public_link = True
    citizen.save(update_fields=["status", "public_link"])
    factor = SMALL_FACTOR if small else 1
    _post_class_answers(post_class, rng, POST_CLASS_ANSWERS // factor)
    _citizen_answers(citizen, rng, CITIZEN_ANSWERS // factor, users["desk"])
    return True


def _submit(survey, questions, raw, *, channel, submitted_at, user=None, **where):
    checked = check_answers(questions, raw)
    if not checked.ok:
        return None
    response = response_submit(
        survey=survey, questions=questions, checked=checked, channel=channel, user=user, **where
    )
    Response.objects.filter(pk=response.pk).update(
        submitted_at=submitted_at, started_at=submitted_at
    )
    return response


def _post_class_answers(survey, rng, count):
    questions = questions_of(survey)
    by_kind = {q.kind: q for q in questions}
    rating, understood, topics, comment = questions[0], questions[1], questions[2], questions[3]
    bookings = list(
        Booking.objects.filter(
            status=BookingStatus.ATTENDED,
            session__course__category__in=SMARTPHONE,
            session__starts_at__lt=timezone.now(),
        )
        .select_related("session", "resident")
        .order_by("pk")
    )
    for booking in rng.sample(bookings, min(count, len(bookings))):
        score = rng.choices([5, 4, 3, 2, 1], weights=[40, 35, 15, 7, 3])[0]
        raw = {
            rating.key: {"codes": [score]},
            understood.key: {"codes": [min(4, max(1, 6 - score + rng.choice([-1, 0, 0, 1])))]},
            topics.key: {"codes": sorted(rng.sample(range(1, 7), rng.choice([1, 1, 2, 3])))},
        }
        if rng.random() < 0.2:
            raw[comment.key] = {"text": rng.choice(COMMENTS)}
        profile = prefill_profile(booking.resident, today=booking.session.starts_at.date())
        for kind in (Kind.AGE_BAND, Kind.GENDER):
            if kind in profile and rng.random() < 0.9:
                raw[by_kind[kind].key] = {"codes": [profile[kind]]}
        _submit(
            survey,
            questions,
            raw,
            channel=Channel.TICKET,
            submitted_at=booking.session.ends_at + datetime.timedelta(minutes=rng.randint(1, 90)),
            booking=booking,
            resident=booking.resident,
            session=booking.session,
        )


def _citizen_answers(survey, rng, count, desk):
    questions = questions_of(survey)
    use, hopes, worries, join, comment, age, gender = questions
    now = timezone.now()
    for _ in range(count):
        band = rng.choices(range(1, 8), weights=[3, 6, 8, 10, 12, 18, 25])[0]
        older = band >= 6
        uses = rng.choices([1, 2, 3, 4], weights=[2, 3, 3, 2] if older else [8, 2, 1, 0.2])[0]
        raw = {
            use.key: {"codes": [uses]},
            age.key: {"codes": [band]},
            gender.key: {"codes": [rng.choices([1, 2, 3, 4], weights=[46, 50, 1, 3])[0]]},
            join.key: {"codes": [rng.choice([1, 2, 2, 3, 4])]} if rng.random() < 0.95 else {},
        }
        roll = rng.random()
        if roll < 0.08:
            raw[hopes.key] = {"codes": [7]}  # わからない
        elif roll < 0.12:
            raw[hopes.key] = {"codes": [8]}  # 特にない
        elif roll < 0.97:
            picked = sorted(rng.sample(range(1, 7), rng.choice([1, 2, 3])))
            raw[hopes.key] = {"codes": picked}
        if rng.random() < 0.9:
            picked = sorted(rng.sample(range(1, 7), rng.choice([1, 2, 2, 3])))
            other = ""
            if rng.random() < 0.05:
                picked.append(9)
                other = "家族に頼らないといけないこと"
            raw[worries.key] = {"codes": picked, "other": other}
        if rng.random() < 0.1:
            raw[comment.key] = {"text": "高齢者にもわかりやすい説明をお願いします。"}
        paper = older and rng.random() < 0.6
        _submit(
            survey,
            questions,
            raw,
            channel=Channel.PAPER if paper else Channel.PUBLIC,
            user=desk if paper else None,
            submitted_at=now
            - datetime.timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600)),
        )


def counts():
    return {
        "surveys": Survey.objects.count(),
        "survey_responses": Response.objects.filter(submitted_at__isnull=False).count(),
    }
