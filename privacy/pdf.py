"""The disclosure as a Japanese PDF, from the same data as its JSON file."""

from __future__ import annotations

from typing import Any

from attendance.pdf import render_pdf


def disclosure_pdf(data: dict[str, Any], *, base_url: str) -> bytes:
    return bytes(render_pdf("privacy/disclosure_pdf.html", {"data": data}, base_url=base_url))
