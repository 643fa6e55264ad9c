"""Display names other children see: normalised, no control/format characters, bounded, not
posing as staff or the product; children under 13 get a friendly generated one by default."""

from __future__ import annotations

import re
import unicodedata

import httpx
import pytest
from fastapi import FastAPI

from coderunner.auth.names import ADJECTIVES, ANIMALS, clean_display_name
from tests.support.app import PASSWORD, Account, create_account, register

REFUSED = [
    "Ms Smith (teacher)",
    "TEACHER",
    "t e a c h e r",
    "Te4cher Tom",
    "admin",
    "Adm1n",
    "the Administrator",
    "Staff",
    "moderator",
    "Mod Sam",
    "Code Runner",
    "coderunner team",
    "evil\u202eelif",  # right-to-left override
    "a\u200bb",  # zero-width space (Cf)
    "tab\there",
    "new\nline",
    "bell\x07",
    "x",
    "y" * 25,
    "<script>",
    "hi!!!",
]
ACCEPTED = [
    ("Zoë", "Zoë"),
    ("Zoe\u0308", "Zoë"),  # NFC: one character, not two
    ("  Brave   Otter ", "Brave Otter"),
    ("Modest Mo", "Modest Mo"),
    ("Ana-Maria O'Neil", "Ana-Maria O'Neil"),
    ("李小龙", "李小龙"),
    ("Sam_42", "Sam_42"),
]


@pytest.mark.parametrize("name", REFUSED)
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="name"):
        clean_display_name(name)


@pytest.mark.parametrize(("name", "stored"), ACCEPTED)
def test_safe_names_are_normalised(name: str, stored: str) -> None:
    assert clean_display_name(name) == stored
    assert unicodedata.is_normalized("NFC", clean_display_name(name))


async def test_the_api_refuses_unsafe_names_on_register_and_profile(
    client: httpx.AsyncClient, learner: Account
) -> None:
    for name in ("Ms Smith (teacher)", "evil\u202eelif", "admin"):
        refused = await client.post(
            "/auth/register",
            json={"username": "sneaky", "password": "long-enough-pw", "displayName": name},
        )
        assert refused.status_code == 422, (name, refused.text)
        assert refused.json()["error"]["code"] == "VALIDATION_ERROR"
        patched = await client.patch(
            "/auth/me", json={"displayName": name}, headers=learner.headers
        )
        assert patched.status_code == 422, (name, patched.text)
    kept = await client.patch(
        "/auth/me", json={"displayName": "Zoe\u0308  Star"}, headers=learner.headers
    )
    assert kept.status_code == 200
    assert kept.json()["displayName"] == "Zoë Star"


async def test_a_username_posing_as_staff_is_refused_but_old_ones_still_log_in(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Class boards show the username of a child with no display name, so a username may not
    pose as staff or the product either (the display names' rule); accounts made before the
    rule keep working."""
    for username in ("admin", "Teacher", "t34cher", "c0derunner", "mod_sam", "the.staff"):
        refused = await client.post(
            "/auth/register", json={"username": username, "password": "long-enough-pw"}
        )
        assert refused.status_code == 422, (username, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "RESERVED_USERNAME", (username, error)
        assert "username" in error["message"]
        assert "teacher" in error["message"]  # says what to avoid
    assert (await register(client, "modest_mo")).username == "modest_mo"
    old = await create_account(app, "admin")  # made before the rule (or by an operator)
    login = await client.post("/auth/login", json={"username": "admin", "password": PASSWORD})
    assert login.status_code == 200, login.text
    assert login.json()["user"]["id"] == old.id


@pytest.mark.parametrize(
    ("age_group", "friendly"), [("7-9", True), ("10-12", True), ("13-16", False)]
)
async def test_children_under_13_get_a_friendly_name(
    client: httpx.AsyncClient, age_group: str, friendly: bool
) -> None:
    account = await register(client, f"kid_{age_group.replace('-', '_')}", ageGroup=age_group)
    me = (await client.get("/auth/me", headers=account.headers)).json()
    name = me["displayName"]
    if friendly:
        match = re.fullmatch(r"(\w+) (\w+)", name or "")
        assert match, name
        assert match.group(1) in ADJECTIVES
        assert match.group(2) in ANIMALS
        assert account.username not in name
    else:
        assert name is None
    chosen = await register(
        client, f"named_{age_group.replace('-', '_')}", ageGroup=age_group, displayName="Rocket Fan"
    )
    me = (await client.get("/auth/me", headers=chosen.headers)).json()
    assert me["displayName"] == "Rocket Fan"
