"""`next` is followed only to a path on this site."""

from django.test import RequestFactory

from config.navigation import safe_next_url


def test_only_a_path_on_this_site_is_followed():
    factory = RequestFactory()
    for given, expected in [
        ("/desk/?resident=3", "/desk/?resident=3"),
        ("－８５０６８８５８８５－", "/fallback/"),  # typed text, not a view name
        ("classes:desk", "/fallback/"),
        ("//evil.example/", "/fallback/"),
        ("https://evil.example/", "/fallback/"),
        ("", "/fallback/"),
    ]:
        request = factory.post("/bookings/1/cancel/", {"next": given})
        assert safe_next_url(request, "/fallback/") == expected, given
