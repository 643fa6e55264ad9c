"""The guide characters as pages show them: a theme, a mascot (static/img/<id>.svg) and a voice.

Who they are and what they say is the curriculum's (`content/characters.yaml`), read here.
"""

from __future__ import annotations

from coderunner.content.characters import Character, characters
from coderunner.kernel.characters import DEFAULT_CHARACTER

# our message keys -> the curriculum's line keys (content/characters.yaml)
CONTENT_LINES = {
    "welcome": "greeting",
    "running": "runStarted",
    "solved": "allPassed",
    "failed": "someFailed",
    "error": "error",
    "hintIntro": "hintIntro",
    "levelComplete": "levelComplete",
}


def all_characters() -> dict[str, Character]:
    return characters()


def character_for(value: object) -> Character:
    key = str(value or "").lower()
    known = characters()
    return known.get(key) or known[DEFAULT_CHARACTER]


def voice_for(character: Character, age_group: object, name: str = "") -> dict[str, str]:
    """The character's lines for the learner's age group."""
    group = age_group if isinstance(age_group, str) else None
    lines = {ours: character.line(group, theirs, name) for ours, theirs in CONTENT_LINES.items()}
    lines["busy"] = character.busy
    return lines


def tagline_for(character: Character) -> str:
    return character.personality
