"""Vietnamese text normalisation: cleaning values, matching headers and names.

docs/spec.md §2 (header matching) and §3.4 (name matching) define the keys built here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Old tone placement (on the first vowel of oa/oe/uy) → new placement (on the second vowel),
# written in NFC. Both forms are common in exports; folding makes `hoà` equal `hòa`.
_TONE_PAIRS = {
    "òa": "oà",
    "óa": "oá",
    "ỏa": "oả",
    "õa": "oã",
    "ọa": "oạ",
    "òe": "oè",
    "óe": "oé",
    "ỏe": "oẻ",
    "õe": "oẽ",
    "ọe": "oẹ",
    "ùy": "uỳ",
    "úy": "uý",
    "ủy": "uỷ",
    "ũy": "uỹ",
    "ụy": "uỵ",
}
_TONE_RE = re.compile("|".join(sorted(_TONE_PAIRS, key=len, reverse=True)))

_SPACE_RE = re.compile(r"\s+")
_HEADER_TAIL_RE = re.compile(r"(\s*(\(\*\)|\*|:))+$")
_PUNCT_RE = re.compile(r"[^\w\s]")

# Whole-word abbreviations of §3.4, applied to lower-case NFC text.
_ABBREVIATIONS = [
    (re.compile(r"(?<!\w)ubnd(?!\w)"), "ủy ban nhân dân"),
    (re.compile(r"(?<!\w)tp\.|(?<!\w)tp(?!\w)"), "thành phố "),
    (re.compile(r"(?<!\w)tx\.|(?<!\w)tx(?!\w)"), "thị xã "),
    (re.compile(r"(?<!\w)tt\.|(?<!\w)tt(?!\w)"), "thị trấn "),
]


def clean(value: str | None) -> str | None:
    """NFC, trimmed, inner white space collapsed; None for empty text."""
    if value is None:
        return None
    text = _SPACE_RE.sub(" ", unicodedata.normalize("NFC", str(value))).strip()
    return text or None


def fold_tones(text: str) -> str:
    """Fold old tone placement onto the new one (`hoà` → `hòa` both become one form)."""
    text = unicodedata.normalize("NFC", text)
    return _TONE_RE.sub(lambda m: _TONE_PAIRS[m.group(0)], text)


@lru_cache(maxsize=65536)
def header_key(value: str | None) -> str:
    """Key for header matching: case, Unicode form, tone placement, white space, `:`/`(*)`."""
    if value is None:
        return ""
    text = _SPACE_RE.sub(" ", unicodedata.normalize("NFC", str(value))).strip().lower()
    text = _HEADER_TAIL_RE.sub("", text).strip()
    return fold_tones(text)


@lru_cache(maxsize=65536)
def vocab_key(value: str | None) -> str:
    """Key for matching a value against a vocabulary (status, channel, yes/no…)."""
    return header_key(value)


def strip_accents(text: str) -> str:
    """Remove diacritics and fold `đ` to `d` (accent stripping alone keeps `đ`)."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return bare.replace("đ", "d").replace("Đ", "D")


@lru_cache(maxsize=65536)
def name_key(value: str | None) -> str | None:
    """Matching key of a unit name (docs/spec.md §3.4), in the contract's order."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).lower()
    text = fold_tones(text)
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    # "Punctuation dropped" (§3.4): removed, not replaced, so `TN&MT` and `TNMT` share a key.
    text = _PUNCT_RE.sub("", text).replace("_", "")
    text = strip_accents(text)
    text = _SPACE_RE.sub(" ", text).strip()
    return text or None


_SECTOR_PREFIX = "linh vuc "


@lru_cache(maxsize=65536)
def sector_key(value: str | None) -> str | None:
    """Matching key of a sector name: a unit-name key without a leading `Lĩnh vực`."""
    key = name_key(value)
    if key is None:
        return None
    if key.startswith(_SECTOR_PREFIX):
        key = key[len(_SECTOR_PREFIX) :].strip()
    return key or None
