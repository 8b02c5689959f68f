"""Placeholder: being written in this session."""

from django.http import HttpResponse


def today(request, **kwargs):
    return HttpResponse(status=501)


def session_checkin(request, **kwargs):
    return HttpResponse(status=501)


def api_checkin(request, **kwargs):
    return HttpResponse(status=501)
