"""Normalisation of what the desk types: kana, names and Japanese phone numbers.

One rule each, used when saving a resident and when searching, so both sides always agree.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv
import phonenumbers

_SPACES = re.compile(r"\s+")
_PHONE_PUNCTUATION = re.compile(r"[\s\-‐‑‒–—―ーｰ−()（）.]")
_PHONE_CHARS = re.compile(r"^\+?\d+$")


def normalize_kana(text: str | None) -> str:
    """NFKC, katakana to hiragana, no spaces: ヤマダ　タロウ, やまだたろう, ﾔﾏﾀﾞ ﾀﾛｳ agree."""
    text = unicodedata.normalize("NFKC", text or "")
    text = jaconv.kata2hira(text)
    return _SPACES.sub("", text).lower()


def normalize_name(text: str | None) -> str:
    """Kanji (or any) name for search: NFKC without spaces, so 山田 太郎 and 山田太郎 agree."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def phone_digits(text: str | None) -> str | None:
    """The digits (and a leading +) of something typed as a phone number, or None."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    text = _PHONE_PUNCTUATION.sub("", text)
    return text if text and _PHONE_CHARS.match(text) else None


def parse_phone(text: str | None) -> phonenumbers.PhoneNumber | None:
    """A valid Japanese (or international) number as a PhoneNumber, or None."""
    digits = phone_digits(text)
    if not digits:
        return None
    try:
        number = phonenumbers.parse(digits, "JP")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def to_e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.number_type(number) in {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }


def phone_prefix_e164(text: str | None) -> str | None:
    """A partly typed Japanese number as an E.164 prefix for search ("090" -> "+8190")."""
    digits = phone_digits(text)
    if not digits:
        return None
    if digits.startswith("+"):
        return digits
    if digits.startswith("0"):
        return "+81" + digits[1:]
    return None


def format_phone_national(e164: str | None) -> str:
    """+819012345678 -> 090-1234-5678, the way the desk reads it out."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
