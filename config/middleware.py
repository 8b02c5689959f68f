from django.conf import settings
from django.utils import translation


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
