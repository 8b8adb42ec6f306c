"""What a lookup answer shows, small enough to live in a component's custom id. Pure.

Buttons and select menus must keep working after a restart and must not depend on
memory, so everything needed to draw an answer again — which screen, its argument,
the page, the commentary language and the member it belongs to — is encoded in the
component's ``custom_id`` (at most 100 characters): ``pd1:v:t:2:b:<owner>:vq``.
Anything that does not decode (an old version, a garbled id) raises `BadCustomId`,
which the adapter answers politely instead of failing the interaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from bot.core.i18n import lang_of
from bot.core.render import Language

PREFIX = "pd1"
CUSTOM_ID_MAX = 100  # Discord's limit on a component's custom_id
# Every id this feature ever issues starts like this, whatever its version.
FAMILY_RE = re.compile(r"pd[0-9]*:.*", re.DOTALL)
MAX_PAGE = 9999
ROW_ID_MAX = 2**63 - 1  # SQLite's INTEGER: a larger number cannot be a paper's id

_LANGUAGE_CODES: dict[Language, str] = {"ko": "k", "en": "e", "both": "b"}
_CODE_LANGUAGES: dict[str, Language] = {code: lang for lang, code in _LANGUAGE_CODES.items()}
_ID_RE = re.compile(
    r"pd1:(?P<verb>[a-z]):(?P<kind>[a-z]):(?P<page>\d{1,4}):(?P<lang>[a-z]):"
    r"(?P<owner>\d{1,20}):(?P<arg>.*)",
    re.DOTALL,
)


class Kind(StrEnum):
    """Which screen: one per command, plus the tag index and "related"."""

    PAPER = "p"
    TAG = "t"
    SEARCH = "q"
    DIGEST = "d"
    TAGS = "g"
    RELATED = "r"
    RANDOM = "x"


class Verb(StrEnum):
    """What a click does with the screen in its id."""

    VIEW = "v"  # show it in place (the member's own answer) or as their own copy
    NEW = "n"  # show it in a new private message, keeping the current one
    SHARE = "s"  # post it in the channel for everyone
    OPEN = "o"  # select menu: open the chosen paper in a new private message


class BadCustomId(ValueError):
    """A custom id this version cannot read (stale, garbled or from an older version)."""


@dataclass(frozen=True, slots=True)
class Screen:
    """One answer: `kind` and its argument (paper id, tag, query, ISO day, or nothing)."""

    kind: Kind
    arg: str = ""
    page: int = 0
    language: Language = "both"

    def at(self, page: int) -> Screen:
        """The same screen on another page."""
        return replace(self, page=page)

    def reading(self, language: Language) -> Screen:
        """The same screen with the commentary in another language."""
        return replace(self, language=language)

    @property
    def paper_id(self) -> int:
        """The paper a PAPER or RELATED screen is about."""
        return int(self.arg)

    @property
    def day(self) -> date:
        """The day a DIGEST screen shows."""
        return date.fromisoformat(self.arg)


def is_paper_id(text: str) -> bool:
    """Whether `text` is a number that can be a paper's id: ASCII digits (`isdigit` alone
    takes `²`, which `int` refuses) within SQLite's INTEGER, which refuses larger ones
    with an OverflowError."""
    if not (text.isascii() and text.isdigit()):
        return False
    return len(text.lstrip("0")) <= len(str(ROW_ID_MAX)) and int(text) <= ROW_ID_MAX


def _valid_arg(kind: Kind, arg: str) -> bool:
    if kind in (Kind.PAPER, Kind.RELATED):
        return is_paper_id(arg)
    if kind is Kind.DIGEST:
        try:
            date.fromisoformat(arg)
        except ValueError:
            return False
        return len(arg) == 10
    if kind in (Kind.TAG, Kind.SEARCH):
        return bool(arg.strip()) and arg.isprintable()
    if kind is Kind.RANDOM:
        return arg.isprintable()
    return arg == ""


def encode(verb: Verb, screen: Screen, owner: int) -> str | None:
    """The custom id for `verb` on `screen` for `owner`; None when it cannot fit in 100."""
    if not 0 <= screen.page <= MAX_PAGE or not _valid_arg(screen.kind, screen.arg):
        raise ValueError(f"not an encodable screen: {screen!r}")
    lang = _LANGUAGE_CODES[screen.language]
    custom_id = (
        f"{PREFIX}:{verb.value}:{screen.kind.value}:{screen.page}:{lang}:{owner}:{screen.arg}"
    )
    return custom_id if len(custom_id) <= CUSTOM_ID_MAX else None


def decode(custom_id: str) -> tuple[Verb, Screen, int]:
    """(verb, screen, owner id) from a custom id made by `encode`; `BadCustomId` otherwise."""
    match = _ID_RE.fullmatch(custom_id) if len(custom_id) <= CUSTOM_ID_MAX else None
    if match is None:
        raise BadCustomId(custom_id)
    try:
        verb, kind = Verb(match["verb"]), Kind(match["kind"])
        language = _CODE_LANGUAGES[match["lang"]]
    except (ValueError, KeyError):
        raise BadCustomId(custom_id) from None
    if not _valid_arg(kind, match["arg"]):
        raise BadCustomId(custom_id)
    return verb, Screen(kind, match["arg"], int(match["page"]), language), int(match["owner"])


def room_for_arg(owner: int) -> int:
    """How many characters of argument fit beside the longest verb/page/owner fields."""
    return CUSTOM_ID_MAX - len(f"{PREFIX}:v:t:{MAX_PAGE}:b:{owner}:")


def toggled(current: Language, reader_locale: object) -> Language:
    """The 한/EN button: both → the reader's own language, then Korean ⇄ English."""
    if current == "both":
        return lang_of(reader_locale)
    return "en" if current == "ko" else "ko"
