"""Read side of the resident registry: search as the desk types, duplicates, history."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jaconv
from django.conf import settings
from django.db.models import Case, DateField, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from notifications.hooks import ResidentFor
from residents.models import Resident, ResidentEvent
from residents.normalize import (
    format_phone_national,
    normalize_kana,
    normalize_name,
    parse_phone,
    phone_digits,
    phone_prefix_e164,
    to_e164,
)
from residents.wareki import era_year

EARLIEST_BIRTH_YEAR = 1900
# A partly typed phone number needs this many digits before it narrows anything down.
PHONE_MIN_DIGITS = 3

_TOKEN_SPLIT = re.compile(r"[\s,、]+")
_KANA_ONLY = re.compile(r"^[\u3041-\u309f\u30fc]+$")
_PHONE_START = re.compile(r"^[+0]")
_LAST_FOUR = re.compile(r"^\d{4}$")
_YEAR = re.compile(r"^(\d{4})年?(生まれ)?$")
_ERA_YEAR = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])(\d{1,2}|元)年?(生まれ)?$")
_ASCII_LETTERS = re.compile(r"^[a-z]+$")


@dataclass
class SearchTerms:
    """What a search box text means: kana, other name text, phone prefixes and birth years."""

    kana: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    # Four digits alone: the last four of a phone number, as callers give them; when they
    # could also be a birth year ("1950"), either matches.
    endings: list[str] = field(default_factory=list)
    years_or_endings: list[int] = field(default_factory=list)
    # Something was typed that can match nobody (e.g. "12" or a year in the future).
    unmatchable: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.kana
            or self.names
            or self.phones
            or self.years
            or self.endings
            or self.years_or_endings
        )


def _max_phone_digits(digits: str) -> int:
    if digits.startswith("+81"):
        return 12  # 81 + a ten-digit national number
    if digits.startswith("+"):
        return 15  # E.164 maximum
    return 11  # 0 + ten digits (mobile); landlines have one fewer


def _digit_count(digits: str) -> int:
    return len(digits.lstrip("+"))


def parse_search(text: str | None) -> SearchTerms:
    """Split what the desk typed into search terms.

    Phone numbers typed with spaces ("+81 90 1234 5678") are put back together; consecutive
    kana words ("やまだ たろう") join into one reading, as do consecutive kanji words.
    """
    terms = SearchTerms()
    text = unicodedata.normalize("NFKC", text or "").strip()
    tokens = [t for t in _TOKEN_SPLIT.split(text) if t]
    kana_run: list[str] = []
    name_run: list[str] = []

    def close_runs() -> None:
        if kana_run:
            terms.kana.append("".join(kana_run))
            kana_run.clear()
        if name_run:
            terms.names.append("".join(name_run))
            name_run.clear()

    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        digits = phone_digits(token)
        if digits and _PHONE_START.match(digits):
            close_runs()
            # Glue the following digit groups on while they still fit in one number.
            while i < len(tokens):
                more = phone_digits(tokens[i])
                if not more or more.startswith("+"):
                    break
                joined = digits + more
                if _digit_count(joined) > _max_phone_digits(digits):
                    break
                digits = joined
                i += 1
            prefix = phone_prefix_e164(digits)  # never None: digits start with + or 0
            if prefix and _digit_count(digits) >= PHONE_MIN_DIGITS:
                terms.phones.append(prefix)
            continue
        if _LAST_FOUR.match(token):
            close_runs()
            as_year = int(token)
            if EARLIEST_BIRTH_YEAR <= as_year <= timezone.localdate().year:
                terms.years_or_endings.append(as_year)
            else:
                terms.endings.append(token)
            continue
        year_match = _YEAR.match(token)
        era_match = _ERA_YEAR.match(token.upper()) if not year_match else None
        if year_match or era_match:
            close_runs()
            year: int | None = None
            if year_match:
                year = int(year_match.group(1))
            elif era_match:
                number = era_match.group(2)
                year = era_year(era_match.group(1), 1 if number == "元" else int(number))
            if year is not None and EARLIEST_BIRTH_YEAR <= year <= timezone.localdate().year:
                terms.years.append(year)
            else:
                terms.unmatchable = True
            continue
        if digits:
            # Digits that are neither a phone number start nor a plausible year.
            close_runs()
            if len(digits) >= PHONE_MIN_DIGITS:
                terms.unmatchable = True
            continue
        kana = normalize_kana(token)
        if _KANA_ONLY.match(kana):
            if name_run:
                close_runs()
            kana_run.append(kana)
        else:
            if kana_run:
                close_runs()
            name_run.append(normalize_name(token))
    close_runs()
    return terms


# Each term is a list of conditions, best match first; a resident matches the term if any
# condition holds, and ranks by the first one that does.


def _kana_term(kana: str) -> list[Q]:
    return [
        Q(kana_key=kana),
        Q(kana_key__startswith=kana),
        Q(given_kana_key__startswith=kana),
    ]


def _name_term(name: str) -> list[Q]:
    term = [Q(name_key=name), Q(name_key__startswith=name)]
    # Romaji typed with the input method off ("yamada") also searches the reading.
    kana = jaconv.alphabet2kana(name) if _ASCII_LETTERS.match(name) else ""
    if kana and _KANA_ONLY.match(kana):
        term = [*_kana_term(kana), *term]
    return [*term, Q(name_key__contains=name)]


def _phone_term(prefix: str) -> list[Q]:
    any_prefix = Q(phone_mobile__startswith=prefix) | Q(phone_home__startswith=prefix)
    if parse_phone(prefix) is None:
        return [any_prefix]  # a partial number has no exact match to put first
    return [Q(phone_mobile=prefix) | Q(phone_home=prefix), any_prefix]


def _ending_term(ending: str) -> Q:
    return Q(phone_mobile__endswith=ending) | Q(phone_home__endswith=ending)


def _any(conditions: Iterable[Q]) -> Q:
    result = Q()
    for condition in conditions:
        result |= condition
    return result


def resident_search(text: str | None, *, limit: int | None = None) -> list[Resident]:
    """Active residents matching what the desk typed, best matches first, in one query.

    Every term must match. The first kana term (else phone, else name) ranks the results:
    exact match, then prefix, then given name or a name containing the text; ties go by kana.
    Prefix matches use `startswith`, which PostgreSQL answers from the varchar_pattern_ops
    indexes; a ranked search then sorts only the residents those indexes found.
    """
    limit = limit or settings.RESIDENT_SEARCH_LIMIT
    terms = parse_search(text)
    if terms.empty or terms.unmatchable:
        return []
    ranked = (
        [_kana_term(k) for k in terms.kana]
        + [_phone_term(p) for p in terms.phones]
        + [_name_term(n) for n in terms.names]
    )
    queryset = Resident.objects.active().filter(
        *[_any(term) for term in ranked],
        *[Q(birth_year=y) for y in terms.years],
        *[_ending_term(e) for e in terms.endings],
        *[Q(birth_year=y) | _ending_term(f"{y:04d}") for y in terms.years_or_endings],
    )
    order: list[str | Case] = ["kana_key", "pk"]
    if ranked and len(ranked[0]) > 1:
        rank = Case(
            *[When(condition, then=Value(i)) for i, condition in enumerate(ranked[0])],
            output_field=IntegerField(),
        )
        order = [rank, *order]
    return list(queryset.order_by(*order)[:limit])


# At most this many residents answer a search that must identify one person (see below).
IDENTIFY_LIMIT = 3


@dataclass(frozen=True)
class Identification:
    """The answer to a search that must identify a person: whether what was typed is enough to
    search at all (`enough`), and the few residents it names."""

    residents: list[Resident]
    enough: bool


def resident_identify(text: str | None, *, limit: int = IDENTIFY_LIMIT) -> Identification:
    """Residents that `text` identifies, for any role without the residents permission (venue
    staff finding a walk-in): the rule that keeps such a search from listing the registry.

    It matches only on what identifies one person: a complete phone number (every digit of a
    valid Japanese number, mobile or home), or the full reading of the name (family and given,
    normalised as the desk search normalises it) together with the year of birth. Never a
    prefix, never part of a name; at most `limit` residents.
    """
    text = (text or "").strip()
    number = parse_phone(text) if text else None
    if number is not None:
        e164 = to_e164(number)
        matching = Q(phone_mobile=e164) | Q(phone_home=e164)
    else:
        terms = parse_search(text)
        if terms.unmatchable or terms.phones or terms.names or terms.endings:
            return Identification([], enough=False)
        # Four digits here are the birth year (the last digits of a phone identify nobody).
        years = terms.years + terms.years_or_endings
        if len(terms.kana) != 1 or len(years) != 1:
            return Identification([], enough=False)
        matching = Q(kana_key=terms.kana[0], birth_year=years[0])
    found = Resident.objects.active().filter(matching).order_by("kana_key", "pk")[:limit]
    return Identification(list(found), enough=True)


def residents_recent(*, limit: int | None = None) -> list[Resident]:
    """The most recently registered active residents, newest first."""
    limit = limit or settings.RESIDENT_SEARCH_LIMIT
    return list(Resident.objects.active().order_by("-pk")[:limit])


def resident_duplicates(
    *,
    family_name_kana: str | None,
    given_name_kana: str | None,
    birth_year: int | None,
    phones: Iterable[str | None],
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[Resident]:
    """Active residents that are probably the same person.

    Same phone number (in either field), or the same full reading and birth year. A record
    without a birth year on either side cannot rule the match out, so it counts too.
    """
    numbers = [p for p in phones if p]
    condition = Q()
    if numbers:
        condition |= Q(phone_mobile__in=numbers) | Q(phone_home__in=numbers)
    kana_key = normalize_kana((family_name_kana or "") + (given_name_kana or ""))
    if kana_key:
        if birth_year:
            condition |= Q(kana_key=kana_key) & (
                Q(birth_year=birth_year) | Q(birth_year__isnull=True)
            )
        else:
            condition |= Q(kana_key=kana_key)
    if not condition:
        return []
    queryset = Resident.objects.active().filter(condition)
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    return list(queryset.order_by("kana_key", "pk")[:limit])


def residents_identified_by(*, phone_mobile: str, kana: str) -> list[Resident]:
    """Active residents whose mobile number (E.164) and whole reading (normalised: ヤマダ タロウ
    is やまだたろう) are both these: how someone booking on the web is recognised. At most two
    (two means the details do not single out one person)."""
    kana_key = normalize_kana(kana)
    if not phone_mobile or not kana_key:
        return []
    found = Resident.objects.active().filter(phone_mobile=phone_mobile, kana_key=kana_key)
    return list(found.order_by("pk")[:2])


def resident_for_page(pk: int) -> Resident:
    """One resident with what its pages show alongside it, or Resident.DoesNotExist."""
    return Resident.objects.select_related(
        "merged_into", "created_by", "erased_by", "consent_recorded_by"
    ).get(pk=pk)


def residents_pair(first_id: int, second_id: int) -> tuple[Resident | None, Resident | None]:
    """Two residents for a side-by-side comparison, in the order asked, in one query."""
    found = Resident.objects.select_related("merged_into").in_bulk([first_id, second_id])
    return found.get(first_id), found.get(second_id)


def _shown_value(field: Any, value: Any) -> str:
    """A value kept in an edit's history as staff read it: choices by label, dates in
    Japanese style, yes/no, a dash for nothing, phone numbers as dialled."""
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    choices = dict(getattr(field, "choices", None) or ())
    if value in choices:
        return str(choices[value])
    if isinstance(field, DateField) and isinstance(value, str):
        try:
            return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    if field is not None and field.name in ("phone_mobile", "phone_home"):
        return format_phone_national(value) or str(value)
    return str(value)


def resident_history(resident: Resident) -> list[ResidentEvent]:
    """The record's history, newest first, with the labels of changed fields and each
    edit's values before and after."""
    fields = {f.name: f for f in Resident._meta.get_fields() if f.concrete}
    events = list(resident.events.select_related("actor", "other"))
    for event in events:
        event.field_labels = [
            fields[name].verbose_name if name in fields else name for name in event.fields
        ]
        event.changes_shown = []
        for change in event.changes:
            field = fields.get(change["field"])
            event.changes_shown.append(
                (
                    field.verbose_name if field is not None else change["field"],
                    _shown_value(field, change["old"]),
                    _shown_value(field, change["new"]),
                )
            )
    return events


def resident_name_for(event: ResidentFor) -> str:
    """notifications.hooks.resident_name listener: the name staff see for a message's
    resident (1 query); "" for a record that is gone."""
    resident = Resident.objects.filter(pk=event.resident_id).only(
        "family_name", "given_name", "erased_at"
    )
    found = resident.first()
    return found.full_name if found is not None else ""
