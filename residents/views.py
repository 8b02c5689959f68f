"""Placeholder: being written in this session."""

from django.http import HttpResponse


def resident_list(request, **kwargs):
    return HttpResponse(status=501)


def resident_search(request, **kwargs):
    return HttpResponse(status=501)


def resident_create(request, **kwargs):
    return HttpResponse(status=501)


def resident_detail(request, **kwargs):
    return HttpResponse(status=501)


def resident_edit(request, **kwargs):
    return HttpResponse(status=501)


def resident_merge(request, **kwargs):
    return HttpResponse(status=501)
