"""Display names that are safe to show other children.

A display name is NFC-normalised, its runs of spaces collapsed, 2-24 characters long, made of
letters, marks, digits, spaces and a few joiners (`-`, `_`, `.`, `'`), with no control or format
characters (Unicode Cc/Cf: bidi overrides, zero-width joiners...). It may not pose as staff or as
the product: reserved words (teacher, admin, staff, moderator, Code Runner...) are refused however
they are spelled (case, spacing, digits for letters). Children under 13 who give no name get a
friendly generated one (adjective + animal), so no real name is needed.

A username a learner picks at registration follows the same reserved-word rule: class boards
show it when a child has no display name.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from coderunner.kernel.ages import CHILD_AGE_GROUPS

MIN_LENGTH = 2
MAX_LENGTH = 24
RESERVED = (
    "teacher",
    "admin",
    "staff",
    "moderator",
    "mod",
    "coderunner",
    "official",
    "system",
    "support",
    "headteacher",
    "principal",
)
_ALLOWED_PUNCTUATION = frozenset("-_.' ")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})

ADJECTIVES = (
    "Brave", "Bright", "Calm", "Clever", "Cosy", "Curious", "Daring", "Eager", "Fuzzy", "Gentle",
    "Happy", "Jolly", "Kind", "Lucky", "Mighty", "Nimble", "Patient", "Plucky", "Quick", "Quiet",
    "Sunny", "Swift", "Tidy", "Witty",
)  # fmt: skip
ANIMALS = (
    "Badger", "Beaver", "Dolphin", "Falcon", "Fox", "Gecko", "Hedgehog", "Heron", "Koala",
    "Lemur", "Llama", "Lynx", "Otter", "Owl", "Panda", "Penguin", "Puffin", "Rabbit", "Robin",
    "Seal", "Tiger", "Turtle", "Walrus", "Wombat",
)  # fmt: skip


class UnsafeName(ValueError):
    """Why a display name can't be used, in words a child can act on."""


def _allowed(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in ("L", "M", "N") or char in _ALLOWED_PUNCTUATION


RESERVED_USERNAME_MESSAGE = (
    "Pick another username: it can't look like a job at school or the name of this site "
    "(like teacher, admin or Code Runner)."
)


def poses_as_staff(name: str) -> bool:
    """Whether `name` holds a reserved word, however spelled (digits read as letters)."""
    squashed = "".join(c for c in name.casefold().translate(_LEET) if c.isalpha())
    words = re.findall(r"[a-z]+", name.casefold().translate(_LEET))
    for word in RESERVED:
        if word == "mod":  # short: only as a word of its own ("Mod Sam"), not in "Modest"
            if word in words:
                return True
        elif word in squashed:
            return True
    return False


def clean_display_name(value: str) -> str:
    """The name to store, or `UnsafeName`."""
    name = unicodedata.normalize("NFC", value)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp") for c in name):
        raise UnsafeName("use only letters, numbers and spaces in your name")
    name = " ".join(name.split())
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        raise UnsafeName(f"your name needs {MIN_LENGTH} to {MAX_LENGTH} letters")
    if not all(_allowed(c) for c in name):
        raise UnsafeName("use only letters, numbers, spaces, - _ . and ' in your name")
    if poses_as_staff(name):
        raise UnsafeName("pick a name that isn't a job at school or the name of this site")
    return name


def friendly_name() -> str:
    """A random adjective + animal, e.g. "Brave Otter"."""
    return f"{secrets.choice(ADJECTIVES)} {secrets.choice(ANIMALS)}"


def default_name(given: str | None, age_group: str | None) -> str | None:
    """The display name a new account starts with: the given one, else a friendly one for a
    child under 13 (their username may be their real name)."""
    if given is not None:
        return given
    return friendly_name() if age_group in CHILD_AGE_GROUPS else None
