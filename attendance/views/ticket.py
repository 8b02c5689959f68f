"""Placeholder: being written in this session."""

from django.http import HttpResponse


def ticket_page(request, **kwargs):
    return HttpResponse(status=501)


def ticket_cancel(request, **kwargs):
    return HttpResponse(status=501)


def ticket_pdf(request, **kwargs):
    return HttpResponse(status=501)


def staff_ticket_pdf(request, **kwargs):
    return HttpResponse(status=501)


def ticket_reissue(request, **kwargs):
    return HttpResponse(status=501)


def roster_pdf(request, **kwargs):
    return HttpResponse(status=501)
