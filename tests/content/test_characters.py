"""The five guide characters: complete voices, readable colours, strict validation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coderunner.content import AGE_GROUPS, ContentError
from coderunner.content.characters import characters, load_characters
from coderunner.kernel.characters import Character

CHARACTER_SLUGS = [character.value for character in Character]
WEB = Path(__file__).parents[2] / "src/coderunner/web"

LINES = ["greeting", "runStarted", "allPassed", "someFailed", "error", "hintIntro", "levelComplete"]
WHITE, DARK = "#FFFFFF", "#111827"


def _luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_on_known_pairs() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_the_five_characters_have_every_line_for_every_age_group() -> None:
    found = characters()
    assert sorted(found) == sorted(CHARACTER_SLUGS)
    for character in found.values():
        assert "\n" not in character.personality
        for age_group in AGE_GROUPS:
            for key in LINES:
                assert character.line(age_group, key, "Mia").strip(), (character.slug, key)
        assert character.busy.strip(), character.slug


@pytest.mark.parametrize("slug", CHARACTER_SLUGS)
def test_every_character_has_a_mascot_and_a_theme(slug: str) -> None:
    assert (WEB / "static" / "img" / f"{slug}.svg").is_file()
    assert f".theme-{slug}" in (WEB / "static" / "css" / "site.css").read_text()


@pytest.mark.parametrize("slug", CHARACTER_SLUGS)
def test_colours_are_readable(slug: str) -> None:
    colors = characters()[slug].colors
    assert contrast(colors.primary, WHITE) >= 4.5
    assert contrast(colors.accent, DARK) >= 4.5


def test_lines_fill_in_the_name_and_fall_back_for_unknown_groups() -> None:
    leo = characters()["leo"]
    assert leo.line("7-9", "greeting", "Mia") == "Roar! Hi Mia! I am Leo. Let's play with code!"
    assert "{name}" not in leo.line("7-9", "greeting")
    assert leo.line(None, "allPassed") == leo.line("10-12", "allPassed")
    with pytest.raises(KeyError, match="no line 'cheer'"):
        leo.line("7-9", "cheer")


def test_voices_differ_by_age_group() -> None:
    for character in characters().values():
        greetings = {character.line(group, "allPassed") for group in AGE_GROUPS}
        assert len(greetings) == 3, character.slug


def _broken(tmp_path: Path, change: str) -> list[str]:
    data = yaml.safe_load(
        (Path(__file__).parents[2] / "src/coderunner/content/characters.yaml").read_text()
    )
    first = data["characters"][0]
    if change == "placeholder":
        first["voice"]["7-9"]["greeting"] = "Hi {username}!"
    elif change == "colour":
        first["colors"]["primary"] = "blue"
    elif change == "missing group":
        del first["voice"]["13-16"]
    elif change == "missing character":
        del data["characters"][-1]
    path = tmp_path / "characters.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ContentError) as info:
        load_characters(path)
    return info.value.issues


def test_validation_names_the_field(tmp_path: Path) -> None:
    (issue,) = _broken(tmp_path, "placeholder")
    assert issue.startswith(
        "characters.yaml: characters.0.voice.7-9: Value error, greeting: unknown placeholder"
    )
    (issue,) = _broken(tmp_path, "colour")
    assert issue.startswith("characters.yaml: characters.0.colors.primary: String should match")
    (issue,) = _broken(tmp_path, "missing group")
    assert "voice needs exactly the age groups" in issue
    (issue,) = _broken(tmp_path, "missing character")
    assert "expected the characters" in issue
