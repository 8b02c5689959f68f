"""Placeholder: being written in this session."""

from django.http import HttpResponse


def session_list(request, **kwargs):
    return HttpResponse(status=501)


def session_detail(request, **kwargs):
    return HttpResponse(status=501)


def session_cancel(request, **kwargs):
    return HttpResponse(status=501)


def schedule(request, **kwargs):
    return HttpResponse(status=501)


def session_create(request, **kwargs):
    return HttpResponse(status=501)


def session_edit(request, **kwargs):
    return HttpResponse(status=501)


def series_create(request, **kwargs):
    return HttpResponse(status=501)


def series_detail(request, **kwargs):
    return HttpResponse(status=501)


def consultation_create(request, **kwargs):
    return HttpResponse(status=501)
