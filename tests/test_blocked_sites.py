"""Blocked sites through the API: patterns cleaned on the way in, refusals that change nothing,
listing, toggling and removing, and each user's sites their own (racing duplicates:
test_focus_races.py).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.ids import from_global_id, to_global_id
from db.models.focus import BlockedSite
from tests.accounts import Account
from tests.focus_helpers import Factory, count_rows, data, error_list
from tests.study_api import mutate

SITE_FIELDS = "id pattern active"
ADD_SITE = f"""
mutation ($pattern: String!) {{
  addBlockedSite(pattern: $pattern) {{ blockedSite {{ {SITE_FIELDS} }} errors {{ code field }} }}
}}"""
TOGGLE_SITE = f"""
mutation ($id: ID!, $active: Boolean) {{
  toggleBlockedSite(id: $id, active: $active) {{
    blockedSite {{ {SITE_FIELDS} }} errors {{ code field }}
  }}
}}"""
REMOVE_SITE = """
mutation ($id: ID!) {
  removeBlockedSite(id: $id) { removedBlockedSiteId errors { code field } }
}"""
SITES = f"query {{ blockedSites {{ {SITE_FIELDS} }} }}"


async def add_site(client: httpx.AsyncClient, account: Account, pattern: str) -> dict[str, Any]:
    """The new site's fields (`tests.study_api.add_blocked_site` gives only its id)."""
    payload = await mutate(client, account, ADD_SITE, pattern=pattern)
    assert payload["errors"] == [], payload
    return dict(payload["blockedSite"])


async def sites_of(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    return list((await data(client, account, SITES))["blockedSites"])


async def test_add_blocked_site_cleans_the_pattern(
    client: httpx.AsyncClient, session_factory: Factory, account: Account
) -> None:
    site = await add_site(client, account, "https://www.Example.com/path")
    assert (site["pattern"], site["active"]) == ("www.example.com", True)
    assert from_global_id(site["id"])[0] == "BlockedSite"
    assert (await add_site(client, account, "*.reddit.com"))["pattern"] == "*.reddit.com"
    assert (await add_site(client, account, "  HTTP://News.ORG  "))["pattern"] == "news.org"

    user_id = from_global_id(account.id)[1]
    async with session_factory() as session:
        stored = await session.get(BlockedSite, from_global_id(site["id"])[1])
    assert stored is not None
    assert (stored.user_id, stored.pattern, stored.active) == (user_id, "www.example.com", True)


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        ("www.example.com", "SITE_ALREADY_BLOCKED"),
        ("http://WWW.EXAMPLE.COM/other", "SITE_ALREADY_BLOCKED"),
        ("not a host", "INVALID_SITE_PATTERN"),
        ("", "INVALID_SITE_PATTERN"),
        ("localhost", "INVALID_SITE_PATTERN"),
        ("*.", "INVALID_SITE_PATTERN"),
        ("ex*ample.com", "INVALID_SITE_PATTERN"),
    ],
)
async def test_add_blocked_site_refusals_change_nothing(
    client: httpx.AsyncClient,
    session_factory: Factory,
    account: Account,
    pattern: str,
    code: str,
) -> None:
    kept = await add_site(client, account, "www.example.com")
    payload = await mutate(client, account, ADD_SITE, pattern=pattern)
    assert (payload["blockedSite"], error_list(payload)) == (None, [(code, "pattern")])
    assert await sites_of(client, account) == [kept]
    assert await count_rows(session_factory, BlockedSite, from_global_id(account.id)[1]) == 1


async def test_the_same_site_for_two_users(
    client: httpx.AsyncClient, account: Account, other: Account
) -> None:
    mine = await add_site(client, account, "example.com")
    theirs = await add_site(client, other, "example.com")
    assert mine["id"] != theirs["id"]
    assert await sites_of(client, account) == [mine]
    assert await sites_of(client, other) == [theirs]


async def test_blocked_sites_are_listed_by_pattern(
    client: httpx.AsyncClient, account: Account
) -> None:
    for pattern in ("zeta.org", "www.example.com", "*.reddit.com", "alpha.io"):
        await add_site(client, account, pattern)
    assert [site["pattern"] for site in await sites_of(client, account)] == [
        "*.reddit.com",
        "alpha.io",
        "www.example.com",
        "zeta.org",
    ]


async def test_toggle_blocked_site(client: httpx.AsyncClient, account: Account) -> None:
    site = await add_site(client, account, "example.com")

    async def toggle(active: bool | None) -> bool:
        payload = await mutate(client, account, TOGGLE_SITE, id=site["id"], active=active)
        assert payload["errors"] == []
        assert payload["blockedSite"]["id"] == site["id"]
        return bool(payload["blockedSite"]["active"])

    assert await toggle(None) is False
    assert await sites_of(client, account) == [{**site, "active": False}]
    assert await toggle(None) is True
    assert await toggle(True) is True
    assert await toggle(True) is True
    assert await toggle(False) is False
    assert await toggle(False) is False
    assert await toggle(True) is True
    assert await sites_of(client, account) == [site]


async def test_remove_blocked_site(client: httpx.AsyncClient, account: Account) -> None:
    kept = await add_site(client, account, "alpha.io")
    gone = await add_site(client, account, "example.com")
    payload = await mutate(client, account, REMOVE_SITE, id=gone["id"])
    assert payload == {"removedBlockedSiteId": gone["id"], "errors": []}
    assert await sites_of(client, account) == [kept]
    again = await mutate(client, account, REMOVE_SITE, id=gone["id"])
    assert (again["removedBlockedSiteId"], error_list(again)) == (None, [("NOT_FOUND", "id")])
    toggled = await mutate(client, account, TOGGLE_SITE, id=gone["id"])
    assert (toggled["blockedSite"], error_list(toggled)) == (None, [("NOT_FOUND", "id")])
    # Once removed it can be added again.
    assert (await add_site(client, account, "example.com"))["id"] != gone["id"]


async def test_someone_elses_site_is_not_found(
    client: httpx.AsyncClient, account: Account, other: Account
) -> None:
    mine = await add_site(client, account, "example.com")
    before = await sites_of(client, account)
    for active in (None, True, False):
        toggled = await mutate(client, other, TOGGLE_SITE, id=mine["id"], active=active)
        assert (toggled["blockedSite"], error_list(toggled)) == (None, [("NOT_FOUND", "id")])
    removed = await mutate(client, other, REMOVE_SITE, id=mine["id"])
    assert (removed["removedBlockedSiteId"], error_list(removed)) == (None, [("NOT_FOUND", "id")])
    assert await sites_of(client, account) == before == [mine]
    assert await sites_of(client, other) == []
    # An id of another type is no site either.
    wrong_type = to_global_id("FocusSession", from_global_id(mine["id"])[1])
    removed = await mutate(client, account, REMOVE_SITE, id=wrong_type)
    assert error_list(removed) == [("NOT_FOUND", "id")]
    assert await sites_of(client, account) == [mine]
