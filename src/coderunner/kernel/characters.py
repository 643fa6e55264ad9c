"""Which guide characters exist (a learner's choice, stored as this enum).

What each one is (name, personality, colours, lines) has one definition too: the curriculum's
`content/characters.yaml`, which must describe exactly these.
"""

from __future__ import annotations

import enum


class Character(enum.StrEnum):
    ASTRO = "astro"
    LEO = "leo"
    KENJI = "kenji"
    NILA = "nila"
    COSMIC = "cosmic"


DEFAULT_CHARACTER = Character.ASTRO
