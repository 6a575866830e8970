"""The language of what cchc prints: Vietnamese or English, from one gettext catalogue.

The messages are written in English in the code, marked `_("…")` (`ngettext(…)` where a count
decides the form), with `{name}` placeholders filled by `.format()` after translation so that a
translator sees the whole sentence. The Vietnamese catalogue is
`flows/locale/vi/LC_MESSAGES/cchc.po`; `make messages` extracts the marked strings (babel.cfg),
merges them into the .po and compiles it.

The CLI chooses the language once, `set_language(args.lang)`: `--lang vi` / `--lang en`, else
the environment (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`, as gettext reads them: a value
starting with `vi` means Vietnamese). Until then — a test, the Prefect flow imported as a
library — messages are English. What the warehouse stores (dq_files, dq_rejects reasons) is
English whatever the language: only what is printed to the analyst is translated.

Numbers in a message go through `num`, `pct` and `dec`: `1677`, `20.9%` in English as always,
`1.677`, `20,9%` in Vietnamese.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from flows.numbers import DASH, fmt_dec, fmt_int

DOMAIN = "cchc"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "vi")
DEFAULT_LANGUAGE = "en"
# The variables gettext reads, in its order of precedence. LANGUAGE is a `:`-separated list,
# ignored (as gettext does) when the locale itself is C or POSIX.
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

# The compiled catalogue (cchc.mo) is committed beside the .po and shipped in the wheel: at run
# time only the standard library's gettext reads it, no Babel import on each command's start;
# tests/tools/test_i18n.py fails when the .mo no longer matches the .po (`make messages`).
_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = DEFAULT_LANGUAGE


def env_language(environ: Mapping[str, str] | None = None) -> str:
    """`vi` when the environment's messages locale is Vietnamese, else `en`."""
    env = os.environ if environ is None else environ
    locale = next((env[v] for v in _LOCALE_VARIABLES if env.get(v)), "")
    if locale.split(".")[0] in ("C", "POSIX"):
        return DEFAULT_LANGUAGE
    wanted = [part for part in env.get("LANGUAGE", "").split(":") if part] or [locale]
    return "vi" if wanted[0].lower().startswith("vi") else DEFAULT_LANGUAGE


def set_language(lang: str | None = None) -> str:
    """Print in `lang` (`vi`, `en`), or in the environment's language when None; returns it."""
    global _translations, _language
    chosen = lang or env_language()
    if chosen not in LANGUAGES:
        raise ValueError(f"unknown language {chosen!r} (one of {', '.join(LANGUAGES)})")
    if chosen == DEFAULT_LANGUAGE:
        _translations = gettext.NullTranslations()
    else:
        _translations = gettext.translation(DOMAIN, LOCALE_DIR, languages=[chosen], fallback=True)
    _language = chosen
    return chosen


def language() -> str:
    """The language messages are printed in: `en` or `vi`."""
    return _language


def _(message: str) -> str:
    """The message in the chosen language."""
    return _translations.gettext(message)


def N_(message: str) -> str:
    """Marks a message for the catalogue without translating it (the warehouse's own words,
    translated where they are shown: `_(word)`)."""
    return message


def shown(word: str) -> str:
    """A word of the warehouse (a severity, a kind: marked N_ where it is shown), as printed."""
    return _translations.gettext(word)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for `n`, in the chosen language."""
    return _translations.ngettext(singular, plural, n)


def num(value: int | float | None) -> str:
    """A count: `1677` in English, `1.677` in Vietnamese."""
    if value is None:
        return DASH
    return fmt_int(value) if _language == "vi" else str(value)


def pct(rate: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: `20.9%` in English, `20,9%` in Vietnamese; None → `–`."""
    if rate is None:
        return DASH
    return fmt_dec(rate * 100, digits) + "%" if _language == "vi" else f"{rate * 100:.{digits}f}%"


def dec(value: float, digits: int = 1) -> str:
    """A decimal: `0.72`, `12.3` in English; `0,72`, `12,3` in Vietnamese."""
    return fmt_dec(value, digits) if _language == "vi" else f"{value:.{digits}f}"


def moment(value: datetime) -> str:
    """A date and time: `2020-11-20 02:00:05` in English, `20/11/2020 02:00:05` in Vietnamese."""
    return value.strftime("%d/%m/%Y %H:%M:%S" if _language == "vi" else "%Y-%m-%d %H:%M:%S")
