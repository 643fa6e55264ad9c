"""The five characters: their look (a CSS theme), mascot (static/img/<id>.svg) and voice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AGE_GROUPS: tuple[tuple[str, str], ...] = (
    ("7-9", "Ages 7 to 9"),
    ("10-12", "Ages 10 to 12"),
    ("13-16", "Ages 13 to 16"),
)
AGE_GROUP_IDS = tuple(group for group, _ in AGE_GROUPS)


@dataclass(frozen=True)
class Character:
    id: str
    name: str
    tagline: str
    voice: dict[str, str] = field(default_factory=dict)


CHARACTERS: dict[str, Character] = {
    c.id: c
    for c in (
        Character(
            "astro",
            "Astro",
            "A calm, curious astronaut robot.",
            {
                "running": "Countdown started... your code is flying!",
                "solved": "Mission accomplished! Every test passed!",
                "failed": "Houston, we have a small problem. Check the tests below.",
                "error": "Your rocket hit some space dust. Let's look at what happened.",
                "busy": "Mission control is busy. I'll try again in a moment.",
                "welcome": "Ready for launch?",
            },
        ),
        Character(
            "leo",
            "Leo",
            "A brave, bouncy lion cub who never gives up.",
            {
                "running": "Roar! Running your code...",
                "solved": "ROAR! You solved it! Brave work!",
                "failed": "Almost! Lions keep trying. Look at the tests below.",
                "error": "A little stumble. Let's find the thorn in the paw.",
                "busy": "The jungle is crowded. I'll try again in a moment.",
                "welcome": "Let's be brave and code!",
            },
        ),
        Character(
            "kenji",
            "Kenji",
            "A patient teacher who takes small, careful steps.",
            {
                "running": "Quietly running your code...",
                "solved": "Perfect technique. All tests passed.",
                "failed": "Not yet. Study the tests, then strike again.",
                "error": "A misstep. Read the message calmly and try again.",
                "busy": "The dojo is full. I'll try again in a moment.",
                "welcome": "One step at a time.",
            },
        ),
        Character(
            "nila",
            "Nila",
            "A gentle ocean scientist who notices details.",
            {
                "running": "Splash! Your code is swimming...",
                "solved": "Splash-tastic! You solved it!",
                "failed": "Some waves got in the way. Check the tests below.",
                "error": "We hit a reef. Let's see what happened.",
                "busy": "The ocean is busy. I'll try again in a moment.",
                "welcome": "Let's dive in!",
            },
        ),
        Character(
            "cosmic",
            "Cosmic",
            "A playful cat from another galaxy.",
            {
                "running": "Your code is travelling through the stars...",
                "solved": "Stellar! All tests passed!",
                "failed": "A few stars are out of place. Look at the tests below.",
                "error": "A comet crossed our path. Let's read what happened.",
                "busy": "The galaxy is busy. I'll try again in a moment.",
                "welcome": "The universe is waiting for your code.",
            },
        ),
    )
}
DEFAULT_CHARACTER = "astro"

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


def character_for(value: object) -> Character:
    key = str(value or "").lower()
    return CHARACTERS.get(key, CHARACTERS[DEFAULT_CHARACTER])


def _content_character(character_id: str) -> Any:
    try:
        from coderunner.content.characters import characters
    except ImportError:  # a web-only install without the curriculum package
        return None
    return characters().get(character_id)


def voice_for(character: Character, age_group: object, name: str = "") -> dict[str, str]:
    """The character's lines for the learner's age group (the curriculum's, else ours)."""
    lines = dict(character.voice)
    found = _content_character(character.id)
    if found is not None:
        group = age_group if isinstance(age_group, str) else None
        for ours, theirs in CONTENT_LINES.items():
            lines[ours] = str(found.line(group, theirs, name))
    return lines


def tagline_for(character: Character) -> str:
    found = _content_character(character.id)
    return str(found.personality) if found is not None else character.tagline
