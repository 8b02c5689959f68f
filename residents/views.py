from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import Perm, require
from audit.recording import record_search, record_view
from config.forms import record_id
from config.navigation import safe_next_url
from residents import queries, services
from residents.forms import DuplicateConfirmForm, MergeForm, ResidentEditForm, ResidentForm
from residents.models import Resident
from residents.normalize import format_phone_national, is_mobile, parse_phone, to_e164
from residents.queries import parse_search
from residents.services import ResidentError, StaleResidentError

# Longer input is no name, number or year anyone types; don't parse it.
MAX_QUERY_LENGTH = 100


def _query(request):
    """What was typed into a search box. Searches are sent by POST, so that names and phone
    numbers never sit in a URL (a proxy's access log, the browser's history)."""
    if request.method != "POST":
        return ""
    return request.POST.get("q", "").strip()[:MAX_QUERY_LENGTH]


def _results_context(request, q, *, mode="", merge_from=None):
    results = queries.resident_search(q) if q else []
    if merge_from is not None:
        results = [r for r in results if r.pk != merge_from]
    terms = parse_search(q)
    return {
        "q": q,
        "results": results,
        "mode": mode,
        "merge_from": merge_from,
        "limit": settings.RESIDENT_SEARCH_LIMIT,
        # Typed something, but not yet enough to search on (e.g. "0" or "09").
        "too_short": bool(q) and terms.empty and not terms.unmatchable,
        "recent": queries.residents_recent() if not q and not mode else [],
    }


def _load(pk):
    try:
        return queries.resident_for_page(pk)
    except Resident.DoesNotExist as exc:
        raise Http404 from exc


# What each search is called in the access log.
_SEARCH_NAMES = {
    "": "resident search",
    "desk": "desk search",
    "companion": "desk companion search",
    "merge": "merge search",
}


def _search_page(request, template, context, **extra):
    """Render a page of search results, recording the residents it lists (never the text)."""
    what = _SEARCH_NAMES[context["mode"]] if context["q"] else "recently registered"
    record_search(request, what, [*context["results"], *context["recent"]])
    return render(request, template, {**context, **extra})


@require(Perm.RESIDENTS_VIEW)
@require_http_methods(["GET", "POST"])
def resident_list(request):
    q = _query(request)
    return _search_page(request, "residents/list.html", _results_context(request, q))


@require(Perm.RESIDENTS_VIEW)
@require_POST
def resident_search_view(request):
    """The results partial, for the list page and (with for=desk) the booking desk; with
    for=companion, the booking desk adding someone who comes along with the caller (`next`:
    where registering a new one goes back to)."""
    q = _query(request)
    mode = request.POST.get("for", "")
    merge_from = None
    if mode == "merge":
        try:
            merge_from = int(request.POST.get("from", ""))
        except ValueError:
            mode = ""
    elif mode not in ("desk", "companion"):
        mode = ""
    context = _results_context(request, q, mode=mode, merge_from=merge_from)
    return _search_page(
        request, "residents/_results.html", context, next=safe_next_url(request, "")
    )


def _with_resident(url, resident_id):
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "resident"]
    query.append(("resident", str(resident_id)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _initial_from_search(q):
    """What the desk already typed into the search box, to save typing it again."""
    initial = {}
    words = q.split()
    kana_words = [w for w in words if parse_search(w).kana]
    for name, word in zip(("family_name_kana", "given_name_kana"), kana_words, strict=False):
        initial[name] = word
    terms = parse_search(q)
    years = terms.years or terms.years_or_endings
    if years:
        initial["birth_year"] = years[0]
    number = parse_phone(q) or next(filter(None, (parse_phone(w) for w in words)), None)
    if number is not None:
        field = "phone_mobile" if is_mobile(number) else "phone_home"
        initial[field] = format_phone_national(to_e164(number))
    return initial


@require(Perm.RESIDENTS_EDIT)
def resident_create_view(request):
    next_url = safe_next_url(request)
    duplicates = []
    if request.method == "POST" and "prefill" in request.POST:
        # "Register as a new resident" from a search: the typed text fills the form in.
        form = ResidentForm(initial=_initial_from_search(_query(request)))
        confirm = DuplicateConfirmForm()
    elif request.method == "POST":
        form = ResidentForm(request.POST)
        confirm = DuplicateConfirmForm(request.POST)
        if form.is_valid() and confirm.is_valid():
            data = form.resident_fields()
            birth_date = data["birth_date"]
            duplicates = queries.resident_duplicates(
                family_name_kana=data["family_name_kana"],
                given_name_kana=data["given_name_kana"],
                birth_year=birth_date.year if birth_date else data["birth_year"],
                phones=[data["phone_mobile"], data["phone_home"]],
            )
            if not duplicates or confirm.cleaned_data["not_duplicate"]:
                note = ""
                if duplicates:
                    note = _("Registered as a different person from No. %(ids)s.") % {
                        "ids": ", ".join(str(r.pk) for r in duplicates)
                    }
                resident = services.resident_create(user=request.user, note=note, **data)
                messages.success(
                    request,
                    _("%(name)s was registered (No. %(id)s).")
                    % {"name": resident.full_name, "id": resident.pk},
                )
                if next_url:
                    return redirect(_with_resident(next_url, resident.pk))
                return redirect("residents:detail", pk=resident.pk)
    else:
        form = ResidentForm()
        confirm = DuplicateConfirmForm()
    record_search(request, "registration duplicates", duplicates)
    for duplicate in duplicates:
        # From the desk: "this is the caller" goes back with the existing record instead.
        duplicate.use_url = _with_resident(next_url, duplicate.pk) if next_url else ""
    return render(
        request,
        "residents/form.html",
        {
            "form": form,
            "confirm": confirm,
            "duplicates": duplicates,
            "next": next_url,
        },
    )


@require(Perm.RESIDENTS_VIEW)
def resident_detail(request, pk):
    resident = _load(pk)
    record_view(request, "resident page", [resident])
    return render(
        request,
        "residents/detail.html",
        {"resident": resident, "history": queries.resident_history(resident)},
    )


@require(Perm.RESIDENTS_EDIT)
def resident_edit(request, pk):
    resident = _load(pk)
    if resident.is_merged:
        messages.warning(request, _("This record was merged; it can no longer be edited."))
        return redirect("residents:detail", pk=resident.merged_into_id)
    form = ResidentEditForm(request.POST or None, instance=resident)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.resident_update(
                resident=resident,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                **form.resident_fields(),
            )
        except StaleResidentError as exc:
            form.add_error(None, str(exc))
            # Saving again after this warning is a deliberate choice to overwrite.
            form.data = form.data.copy()
            form.data["version"] = exc.current_version
        except ResidentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("residents:detail", pk=updated.pk)
    record_view(request, "resident edit page", [resident])
    return render(request, "residents/form.html", {"form": form, "resident": resident})


def _comparison(first, second):
    """Rows of a side-by-side comparison: label, the two values, whether they differ."""

    def birth(r):
        if r.birth_date:
            return _("%(date)s (%(era)s)") % {"date": date_format(r.birth_date), "era": r.birth_era}
        if r.birth_year:
            return _("%(year)s (%(era)s), date unknown") % {
                "year": r.birth_year,
                "era": r.birth_era,
            }
        return ""

    def consent(r):
        given = [
            str(label)
            for label, value in (
                (_("contact"), r.consent_contact),
                (_("data use"), r.consent_data_use),
            )
            if value
        ]
        if not given:
            return ""
        when = date_format(r.consent_date) if r.consent_date else ""
        return f"{', '.join(given)} {when}".strip()

    rows = [
        (_("Name"), lambda r: r.full_name),
        (_("Reading (kana)"), lambda r: r.full_name_kana),
        (_("Born"), birth),
        (_("Gender"), lambda r: r.get_gender_display()),
        (_("Mobile phone"), lambda r: r.phone_mobile_display),
        (_("Home phone"), lambda r: r.phone_home_display),
        (_("Phone owned"), lambda r: r.get_smartphone_display()),
        (_("Preferred contact"), lambda r: r.get_preferred_contact_display()),
        (_("District"), lambda r: r.district),
        (_("Consent"), consent),
        (_("Notes"), lambda r: r.notes),
        (_("Registered on"), lambda r: date_format(timezone.localdate(r.created_at))),
    ]
    return [(label, get(first), get(second), get(first) != get(second)) for label, get in rows]


@require(Perm.RESIDENTS_MERGE)
def resident_merge_view(request, pk):
    """Pick the other record, compare the two side by side, confirm which one stays."""
    resident = _load(pk)
    if resident.is_merged:
        messages.warning(request, _("This record was already merged."))
        return redirect("residents:detail", pk=resident.pk)
    other_id = request.POST.get("other") or request.GET.get("other")
    if not other_id:
        # Start from the record's own reading: a duplicate usually shares it.
        q = _query(request) if "q" in request.POST else resident.full_name_kana
        context = _results_context(request, q, mode="merge", merge_from=resident.pk)
        record_view(request, "merge page", [resident])
        return _search_page(request, "residents/merge.html", context, resident=resident)
    other_id = record_id(other_id)
    if other_id is None:
        raise Http404
    if other_id == resident.pk:
        messages.error(request, _("A record cannot be merged into itself."))
        return redirect("residents:merge", pk=resident.pk)
    first, second = queries.residents_pair(resident.pk, other_id)
    if second is None:
        raise Http404
    form = MergeForm(request.POST or None, first=first, second=second)
    error = ""
    if second.is_merged:
        error = _("No. %(id)s was already merged.") % {"id": second.pk}
    elif request.method == "POST" and form.is_valid():
        try:
            kept = services.resident_merge(
                keep_id=form.cleaned_data["keep"], remove_id=form.remove_id(), user=request.user
            )
        except ResidentError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("The two records were merged. No. %(id)s is kept.") % {"id": kept.pk},
            )
            return redirect("residents:detail", pk=kept.pk)
    record_view(request, "merge comparison", [first, second])
    return render(
        request,
        "residents/merge.html",
        {
            "resident": resident,
            "other": second,
            "form": form,
            "error": error,
            "rows": _comparison(first, second),
        },
    )
