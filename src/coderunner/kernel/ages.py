"""The age groups every part of the product is organised by: the one definition."""

from __future__ import annotations

from typing import Literal, get_args

AgeGroup = Literal["7-9", "10-12", "13-16"]
# in curriculum order (a string sort would put "10-12" first)
AGE_GROUPS: tuple[AgeGroup, ...] = get_args(AgeGroup)
AGE_GROUP_LABELS: dict[str, str] = {
    "7-9": "Ages 7 to 9",
    "10-12": "Ages 10 to 12",
    "13-16": "Ages 13 to 16",
}
# the children (7-12): a friendly generated display name, and only their class's leaderboard
CHILD_AGE_GROUPS: frozenset[str] = frozenset(AGE_GROUPS[:2])
# the teenagers who may opt into the server-wide leaderboard
PUBLIC_AGE_GROUPS: tuple[AgeGroup, ...] = AGE_GROUPS[2:]


def age_rank(age_group: str) -> int:
    """The group's place in curriculum order; an unknown group sorts last."""
    return AGE_GROUPS.index(age_group) if age_group in AGE_GROUPS else len(AGE_GROUPS)
