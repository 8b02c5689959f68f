import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Perm, require
from audit.models import Action
from audit.services import access_record
from privacy import services
from privacy.forms import DisclosureForm, ErasureForm
from privacy.pdf import disclosure_pdf
from privacy.queries import erasure_preview, retention_candidates, retention_cutoff
from residents import queries as resident_queries
from residents.models import Resident


def _load(pk):
    try:
        return resident_queries.resident_for_page(pk)
    except Resident.DoesNotExist as exc:
        raise Http404 from exc


def _page(request, resident, *, disclosure_form=None, status=200):
    return render(
        request,
        "privacy/resident.html",
        {"resident": resident, "disclosure_form": disclosure_form or DisclosureForm()},
        status=status,
    )


@require(Perm.RESIDENTS_RIGHTS)
def rights_page(request, pk):
    resident = _load(pk)
    access_record(user=request.user, action=Action.VIEW, what="rights page", residents=[resident])
    return _page(request, resident)


@require(Perm.RESIDENTS_RIGHTS)
@require_POST
def disclose_view(request, pk):
    resident = _load(pk)
    form = DisclosureForm(request.POST)
    if not form.is_valid():
        return _page(request, resident, disclosure_form=form, status=400)
    file_format = form.cleaned_data["file_format"]
    try:
        data = services.resident_disclose(
            resident_id=resident.pk,
            user=request.user,
            purpose=form.cleaned_data["purpose"],
            file_format=file_format,
        )
    except services.RightsError as exc:
        form.add_error(None, str(exc))
        return _page(request, resident, disclosure_form=form, status=400)
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"disclosure-{resident.pk}-{stamp}.{file_format}"
    if file_format == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        pdf = disclosure_pdf(data, base_url=request.build_absolute_uri("/"))
        response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require(Perm.RESIDENTS_RIGHTS)
def erase_view(request, pk):
    """Step one shows what goes and what stays and asks for a reason; step two erases."""
    resident = _load(pk)
    if resident.is_erased:
        messages.info(request, _("This person's personal data was already erased."))
        return redirect("residents:detail", pk=resident.pk)
    form = ErasureForm(request.POST or None)
    status = 200
    if request.method != "POST":
        access_record(
            user=request.user, action=Action.VIEW, what="erasure confirm page", residents=[resident]
        )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.resident_erase(
                    resident_id=resident.pk, user=request.user, reason=form.cleaned_data["reason"]
                )
            except services.RightsError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The personal data was erased."))
                return redirect("residents:detail", pk=resident.pk)
        status = 400
    return render(
        request,
        "privacy/erase.html",
        {"resident": resident, "form": form, "preview": erasure_preview(resident)},
        status=status,
    )


@require(Perm.RESIDENTS_RIGHTS)
def retention_view(request):
    """The dry run: who the daily task would anonymise, and why. Nothing changes here."""
    now = timezone.now()
    years = settings.RESIDENT_RETENTION_YEARS
    candidates = retention_candidates(now=now, years=years)
    access_record(
        user=request.user,
        action=Action.VIEW,
        what="retention list",
        residents=[c.resident for c in candidates],
    )
    return render(
        request,
        "privacy/retention.html",
        {
            "years": years,
            "cutoff": retention_cutoff(now, years) if years > 0 else None,
            "candidates": candidates,
        },
    )
