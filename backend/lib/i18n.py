"""Translation: Vietnamese by default, English through a switch.

Message ids are the Vietnamese text (the default language, the one that must be right);
`backend/translations/en/LC_MESSAGES/messages.po` translates them to English.

Code that runs outside a request marks strings with `N_` so that `pybabel extract` finds them,
and the text is translated where it is shown (in a template: `{{ _(msg) }}`).
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def translations_for(language: str) -> NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [language])


def gettext(message: str) -> str:
    return translations_for(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations_for(current_language.get()).ngettext(singular, plural, n)


def pick_language(cookie_value: str | None) -> str:
    return cookie_value if cookie_value in LANGUAGES else DEFAULT_LANGUAGE
