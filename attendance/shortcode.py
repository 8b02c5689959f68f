"""The ticket's short code: what venue staff type when a QR code cannot be read.

Seven characters, printed as KP74-WXC: six random ones and a check character, from twenty
symbols that cannot be taken for one another on paper or said wrongly aloud (no 0/O/D/Q,
1/I/L, 2/Z, 5/S, 8/B, U/V, nor G beside 6). The check character (Luhn mod 20, which needs
an even count of symbols) catches every single mistyped character and all but about 1 in 170
swaps of two neighbours, so a slip is told as a slip instead of looking up another code.

A short code is not a secret like the token: it counts only for tickets of sessions at the
venue being worked, on that session's day, and wrong codes are limited per staff member.
"""

from __future__ import annotations

import secrets
import unicodedata

ALPHABET = "34679ACEFHJKMNPRTWXY"
_BODY_LENGTH = 6
LENGTH = _BODY_LENGTH + 1
_SEPARATORS = str.maketrans("", "", " -‐‑–—ー−_.")


def _check_character(body: str) -> str:
    """Luhn mod N over ALPHABET: the character that makes the whole code sum to zero."""
    base = len(ALPHABET)
    total, factor = 0, 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // base + addend % base
        factor = 1 if factor == 2 else 2
    return ALPHABET[(base - total % base) % base]


def new_short_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(_BODY_LENGTH))
    return body + _check_character(body)


def short_code_in(text: str | None) -> str | None:
    """The code typed in `text` (any case, full-width, with spaces or hyphens), or None when the
    text is not shaped like a short code. The check character is not judged here."""
    text = unicodedata.normalize("NFKC", text or "").upper().translate(_SEPARATORS)
    if len(text) == LENGTH and all(char in ALPHABET for char in text):
        return text
    return None


def short_code_checks(code: str) -> bool:
    """Whether the code's last character is the check character of the others."""
    return _check_character(code[:-1]) == code[-1]


def short_code_display(code: str) -> str:
    """KP74WXC -> KP74-WXC: two groups, easy to read out and to type."""
    return f"{code[:4]}-{code[4:]}" if code else ""
