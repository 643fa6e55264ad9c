"""The guide characters (characters.yaml): colours, mascot and their lines per age group."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from coderunner.kernel.ages import AGE_GROUPS
from coderunner.kernel.characters import Character as CharacterId

from .loader import CONTENT_DIR, ContentError, read_yaml
from .schema import ContentModel, Slug, Text, Title

PLACEHOLDERS = frozenset({"name"})
DEFAULT_AGE_GROUP = "10-12"
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


class Colors(ContentModel):
    primary: HexColor
    accent: HexColor


class Voice(ContentModel):
    greeting: Text
    run_started: Text
    all_passed: Text
    some_failed: Text
    error: Text
    hint_intro: Text
    level_complete: Text

    @model_validator(mode="after")
    def _known_placeholders(self) -> Voice:
        for key, line in self.model_dump().items():
            unknown = set(_PLACEHOLDER.findall(line)) - PLACEHOLDERS
            if unknown:
                raise ValueError(f"{key}: unknown placeholder {sorted(unknown)}")
        return self


class Character(ContentModel):
    slug: Slug
    name: Title
    personality: Text
    colors: Colors
    mascot: Text
    # said when the computers are too busy to run the code just now (any age)
    busy: Text
    voice: dict[str, Voice]

    @property
    def id(self) -> str:
        return self.slug

    @model_validator(mode="after")
    def _every_age_group(self) -> Character:
        if sorted(self.voice) != sorted(AGE_GROUPS):
            raise ValueError(f"voice needs exactly the age groups {list(AGE_GROUPS)}")
        return self

    def line(self, age_group: str | None, key: str, name: str = "") -> str:
        """One of the character's lines (`key` as in the YAML, e.g. "allPassed")."""
        voice = self.voice.get(age_group or DEFAULT_AGE_GROUP) or self.voice[DEFAULT_AGE_GROUP]
        data = voice.model_dump(by_alias=True)
        if key not in data:
            raise KeyError(f"no line {key!r}; use one of {sorted(data)}")
        return str(data[key]).replace("{name}", name or "friend")


class CharactersFile(ContentModel):
    characters: list[Character] = Field(min_length=1)

    @model_validator(mode="after")
    def _the_five(self) -> CharactersFile:
        slugs = [character.slug for character in self.characters]
        expected = [character.value for character in CharacterId]
        if sorted(slugs) != sorted(expected):
            raise ValueError(f"expected the characters {expected}, got {slugs}")
        return self


def load_characters(path: Path | None = None) -> dict[str, Character]:
    """The characters by slug, validated; raises ContentError naming the field."""
    from pydantic import ValidationError

    path = path or CONTENT_DIR / "characters.yaml"
    try:
        parsed = CharactersFile.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ContentError(
            [
                f"{path.name}: {'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
                for e in exc.errors()
            ]
        ) from None
    return {character.slug: character for character in parsed.characters}


@cache
def characters() -> dict[str, Character]:
    """The packaged characters, loaded once."""
    return load_characters()
