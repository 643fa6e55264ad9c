"""Join codes, generated usernames and simple passwords for young children.

Join codes use an alphabet without look-alikes (no 0/O, 1/I/L, U/V): 8 characters from 29 is
about 5 * 10^11 codes, so guessing one at the join rate limit takes longer than a school life.
They are shown as two groups of four ("ABCD-EFGH"); typing ignores case, spaces and dashes.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from coderunner.auth.names import poses_as_staff

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 8

# short, friendly, unambiguous words (no l/i/o look-alikes trouble when read aloud)
WORDS = (
    "ant", "bee", "cat", "cow", "dog", "duck", "elk", "emu", "fox", "frog", "goat", "hen",
    "yak", "owl", "pig", "ram", "seal", "swan", "toad", "wolf", "bear", "crab", "deer", "fish",
    "apple", "bean", "cake", "corn", "fig", "grape", "jam", "kiwi", "lime", "melon", "nut",
    "pear", "plum", "rice", "soup", "taco", "red", "blue", "gold", "green", "pink", "jade",
    "sun", "moon", "star", "rain", "snow", "wind", "cloud", "hill", "lake", "rock", "tree",
    "boat", "drum", "kite", "map", "rope", "ship", "bell",
)  # fmt: skip


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_join_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalise_join_code(typed: str) -> str:
    """What a child typed, as stored: upper case, spaces and dashes gone."""
    return re.sub(r"[\s\-]+", "", typed).upper()


def new_password() -> str:
    """Two short words and two digits ("frogmoon42"): easy for a child, at least 8 characters."""
    first, second = secrets.choice(WORDS), secrets.choice(WORDS)
    password = f"{first}{second}{secrets.randbelow(100):02d}"
    return password if len(password) >= 8 else password + str(secrets.randbelow(10))


def username_base(first_name: str) -> str:
    """Lower-case ASCII letters of a first name ("Zoë Ann" -> "zoeann"), at most 12; "coder"
    when none are left or they pose as staff (a usernames' reserved word: "Admin", "Stafford")."""
    ascii_name = unicodedata.normalize("NFKD", first_name).encode("ascii", "ignore").decode()
    letters = re.sub(r"[^a-z]", "", ascii_name.lower())[:12]
    return letters if letters and not poses_as_staff(letters) else "coder"


def username_candidate(first_name: str) -> str:
    """The base plus three digits ("mia472"); the caller retries until it is free. The reserved
    words read digits as letters, so digits that finish one ("suppor" + "7..") are drawn again;
    digits such as 2 read as nothing, so a clean base always gets a candidate."""
    base = username_base(first_name)
    while True:
        candidate = f"{base}{secrets.randbelow(900) + 100}"
        if not poses_as_staff(candidate):
            return candidate
