"""The five characters: their look (a CSS theme), mascot (static/img/<id>.svg) and voice."""

from __future__ import annotations

from dataclasses import dataclass, field

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
            "A space explorer who loves launching code.",
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
            "A brave lion who never gives up.",
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
            "A calm ninja who solves puzzles step by step.",
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
            "A curious dolphin who explores the ocean of code.",
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
            "A star-gazer who finds patterns in the galaxy.",
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


def character_for(value: object) -> Character:
    key = str(value or "").lower()
    return CHARACTERS.get(key, CHARACTERS[DEFAULT_CHARACTER])
