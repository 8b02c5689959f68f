"""Placeholder: being written in this session."""

from django.http import HttpResponse


def desk(request, **kwargs):
    return HttpResponse(status=501)


def desk_resident(request, **kwargs):
    return HttpResponse(status=501)


def desk_sessions(request, **kwargs):
    return HttpResponse(status=501)


def desk_book(request, **kwargs):
    return HttpResponse(status=501)


def booking_done(request, **kwargs):
    return HttpResponse(status=501)


def booking_cancel(request, **kwargs):
    return HttpResponse(status=501)


def offer_list(request, **kwargs):
    return HttpResponse(status=501)


def offer_accept(request, **kwargs):
    return HttpResponse(status=501)


def offer_decline(request, **kwargs):
    return HttpResponse(status=501)
