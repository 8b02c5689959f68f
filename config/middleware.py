import json
import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found


class JapaneseFirstLocaleMiddleware:
    """Japanese unless the user chose another language in the language menu.

    Django's LocaleMiddleware would follow the browser's Accept-Language; city staff and
    residents often use phones set to English without reading it, so only an explicit
    choice (the language cookie set by the menu) switches away from Japanese.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response


# C0 control characters and DEL, except tab, line feed and carriage return (which multi-line
# text and pasted spreadsheet cells carry). PostgreSQL cannot store NUL at all; the others are
# invisible on screen and in printed lists, so nothing of them is kept either.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_character(value: object) -> bool:
    """True when a string, or any key or string inside a list or dict, holds one."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(has_control_character(k) or has_control_character(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_control_character(item) for item in value)
    return False


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None  # the view answers unreadable JSON itself


def _is_form(request: HttpRequest) -> bool:
    return request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


def _request_has_control_character(request: HttpRequest) -> bool:
    if has_control_character(dict(request.GET.lists())):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if _is_form(request):
        names = [
            str(getattr(upload, "name", "") or "")
            for _field, uploads in request.FILES.lists()
            for upload in uploads
        ]
        names += list(request.FILES.keys())
        return has_control_character(dict(request.POST.lists())) or has_control_character(names)
    return bool(request.body) and has_control_character(_json_body(request))


class ControlCharacterGuardMiddleware:
    """Refuses, in one place, any request whose input holds a control character.

    Every form, search, JSON endpoint and upload form passes through here before its view: the
    query string, form fields (and uploaded file names) and JSON bodies are read,
    and a request holding NUL or another C0 control character (tab and line breaks excepted)
    is answered 400 with a Japanese message: JSON to a JSON request, a page otherwise. Nothing
    is saved. Uploaded files' contents are checked by their importers. Cookies are not input
    and are not looked at.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_character(request.path_info):
            # No address of ours holds one: the friendly "not found" page (a mangled ticket
            # link gets the city's phone number, as any other wrong address does).
            return page_not_found(request, Http404())
        if _request_has_control_character(request):
            return refuse_control_character(request)
        return self.get_response(request)


def refuse_control_character(request: HttpRequest) -> HttpResponse:
    message = _(
        "What was entered contains an invisible control character (such as NUL) that cannot "
        "be saved. Please delete what was pasted, type it again and send it once more."
    )
    sent_json = request.method not in ("GET", "HEAD", "OPTIONS") and not _is_form(request)
    if sent_json or "json" in request.headers.get("Accept", ""):
        return JsonResponse({"ok": False, "result": "error", "message": message}, status=400)
    return render(request, "input_refused.html", {"message": message}, status=400)


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY["DIRECTIVES"] as the Content-Security-Policy
    header on every answer that does not set its own (Django 5.2 has no CSP support)."""

    def __init__(self, get_response):
        self.get_response = get_response
        directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
        self.header = "; ".join(" ".join([name, *sources]) for name, sources in directives.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response
