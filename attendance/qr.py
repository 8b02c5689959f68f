"""The ticket's QR code: the ticket page's absolute URL, drawn as inline SVG.

The code holds only the URL with the token (no name, no booking number), so a lost ticket says
nothing about its owner. Error correction Q survives a creased or smudged paper ticket.
"""

from __future__ import annotations

from urllib.parse import urljoin

import qrcode
import qrcode.image.svg
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from qrcode.compat.etree import ET
from qrcode.constants import ERROR_CORRECT_Q

# The white margin scanners need around the code, in modules (the standard asks for 4).
QUIET_ZONE = 4


def ticket_url(
    token: str, *, request: HttpRequest | None = None, base_url: str | None = None
) -> str:
    """The ticket page's absolute URL: from the request, or from an explicit site base URL."""
    path = reverse("attendance:ticket", args=[token])
    if request is not None:
        return request.build_absolute_uri(path)
    if not base_url:
        raise ValueError("ticket_url needs a request or a base_url")
    return urljoin(base_url, path)


def qr_svg(data: str, *, label: object) -> SafeString:
    """`data` as an inline <svg> with an accessible name; size it with CSS (it has a viewBox)."""
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_Q,
        border=QUIET_ZONE,
        image_factory=qrcode.image.svg.SvgPathFillImage,
    )
    code.add_data(data)
    code.make(fit=True)
    svg = code.make_image().get_image()
    # Width and height come from the page (CSS); the viewBox keeps the proportions.
    for attribute in ("width", "height", "version"):
        svg.attrib.pop(attribute, None)
    svg.set("role", "img")
    svg.set("aria-label", str(label))
    svg.set("class", "qr")
    svg.set("shape-rendering", "crispEdges")
    for path in svg.iter("path"):
        path.attrib.pop("id", None)  # a fixed id would clash with a second code on one page
    return mark_safe(ET.tostring(svg, encoding="unicode"))
