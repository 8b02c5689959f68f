from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, fallback=""):
    """The `next` page a form was given, when it is a path on this site; otherwise `fallback`.

    Only a path ("/…") is taken: anything else given to redirect() is read as a view name, and
    a `next` of typed text ("－８５０…") would answer 500."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback
