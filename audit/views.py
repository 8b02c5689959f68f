"""The DX office's pages on the access log: browse, find a resident, export as CSV."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import Perm, require
from attendance.pdf import render_pdf
from audit import exports, people, queries, register
from audit.forms import ExportForm, LogFilterForm, ResidentFindForm
from audit.models import Action
from audit.services import access_record

PAGE_SIZE = 50


def _log_page(request, *, filters, find_form=None, found=None, export_form=None, status=200):
    entries = (
        queries.entries(**filters.filters()) if filters.is_valid() else queries.entries().none()
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = {r.resident_id for entry in page for r in entry.residents.all()}
    resident_id = filters.cleaned_data.get("resident") if filters.is_valid() else None
    if resident_id:
        ids.add(resident_id)
    names = people.resident_names(ids)
    rows = [exports.entry_row(entry, names) for entry in page]
    if resident_id:
        # Looking at who saw a resident is itself a look at that resident.
        access_record(
            user=request.user,
            action=Action.VIEW,
            what="access log about a resident",
            residents=[resident_id],
        )
    return render(
        request,
        "audit/log.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "resident_id": resident_id,
            "resident_name": names.get(resident_id) if resident_id else None,
            "find_form": find_form or ResidentFindForm(),
            "found": found,
            "export_form": export_form or ExportForm(),
        },
        status=status,
    )


@require(Perm.ACCESS_LOG_VIEW)
def access_log(request):
    return _log_page(request, filters=LogFilterForm(request.GET))


@require(Perm.ACCESS_LOG_VIEW)
@require_POST
def access_log_find_resident(request):
    """Residents matching a name or phone, sent by POST; each links to the log about them."""
    find_form = ResidentFindForm(request.POST)
    found = None
    if find_form.is_valid():
        found = people.residents_matching(find_form.cleaned_data["q"])
        if found:
            access_record(
                user=request.user,
                action=Action.SEARCH,
                what="access log resident search",
                residents=found,
            )
    return _log_page(
        request, filters=LogFilterForm(request.POST), find_form=find_form, found=found or []
    )


@require(Perm.ACCESS_LOG_VIEW)
@require_POST
def access_log_export(request):
    """The filtered log as CSV (UTF-8 with BOM), once the user has said why."""
    filters = LogFilterForm(request.POST)
    export_form = ExportForm(request.POST)
    if not (filters.is_valid() and export_form.is_valid()):
        return _log_page(request, filters=filters, export_form=export_form, status=400)
    content, count, resident_ids = exports.log_csv(filters.filters())
    access_record(
        user=request.user,
        action=Action.EXPORT,
        what="access log CSV",
        residents=resident_ids,
        rows=count,
        purpose=export_form.cleaned_data["purpose"],
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
    return response


def file_register_page(request):
    """Public, no login: municipalities publish their file registers."""
    return render(request, "audit/register.html", {"register": register.file_register()})


def file_register_pdf(request):
    content = render_pdf(
        "audit/pdf/register.html",
        {"register": register.file_register(), "printed_at": timezone.localtime()},
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="personal-data-file-register.pdf"'
    return response
