"""[remote.items.<code>] from the admin API: an item's own share of its cap or its own number of
remote places, checked by the config loader (bilingual, naming the key), audited, removable."""

from __future__ import annotations

import pytest

from tests.admin.conftest import Api
from tests.admin.test_setup_api import document, refused


def remote(root: Api) -> dict:
    return document(root).get("remote") or {}


@pytest.mark.parametrize("values, field, words", [
    ({"daily_share": 2}, "daily_share", "out of range"),
    ({"daily_share": "half"}, "daily_share", "must be a number"),
    ({"daily_tickets": -1}, "daily_tickets", "out of range"),
    ({"daily_tickets": 2.5}, "daily_tickets", "must be a whole number"),
    ({"places": 3}, "places", "unknown key"),
])
def test_an_item_of_its_own_is_checked_as_config_toml_is(root, values, field, words) -> None:
    before = document(root)
    reply = refused(root, "PUT", "/admin/remote/items/B01", values, field, words)
    assert reply["section"] == "remote" and "remote.items.B01" in reply["message"]
    assert reply["message"].startswith("设置有误") and " / " in reply["message"]
    assert document(root) == before   # nothing was stored


def test_an_item_gets_its_own_places_audited_and_gives_them_back(root) -> None:
    status, reply = root.json("PUT", "/admin/remote/items/B01", {"daily_share": 0.5, "daily_tickets": None})
    assert status == 200, reply
    assert remote(root)["items"] == {"B01": {"daily_share": 0.5}}
    status, _ = root.json("PUT", "/admin/remote/items/C01", {"daily_tickets": 4})
    assert status == 200
    assert remote(root)["items"] == {"B01": {"daily_share": 0.5}, "C01": {"daily_tickets": 4}}
    entries = root.json("GET", "/admin/audit")[1]["entries"]
    assert [(e["action"], e["subject"]) for e in entries[:2]] == [
        ("remote.item", "item C01 remote places"), ("remote.item", "item B01 remote places")]
    assert entries[1]["actor"] == "root" and entries[1]["after"] == {"remote": {"items": {"B01": {"daily_share": 0.5}}}}

    assert root.json("DELETE", "/admin/remote/items/B01")[0] == 200
    assert remote(root)["items"] == {"C01": {"daily_tickets": 4}}
    assert root.json("GET", "/admin/audit")[1]["entries"][0]["action"] == "remote.item_removed"
    status, reply = root.json("DELETE", "/admin/remote/items/B01")
    assert status == 404 and reply["error"] == "not_found" and "no own remote ticket places for item B01" in reply["message"]


def test_an_unknown_item_is_a_404(root) -> None:
    status, reply = root.json("PUT", "/admin/remote/items/ZZ9", {"daily_share": 0.5})
    assert status == 404 and reply["error"] == "not_found" and "ZZ9" in reply["message"]
    assert "items" not in remote(root)
