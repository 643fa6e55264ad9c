"""The age groups every part of the product is organised by."""

from __future__ import annotations

from typing import Literal

AgeGroup = Literal["7-9", "10-12", "13-16"]
AGE_GROUPS: tuple[str, ...] = ("7-9", "10-12", "13-16")
