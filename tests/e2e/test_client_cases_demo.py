"""The demo client cases on the local stack (``make run``, issue 19): the client's main
contact signs in with the demo password and sees their organisation connected; the firm sees
one invitation waiting (its mail in the local outbox) and last month's billable usage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e


def test_the_demo_client_and_the_firm(stack: Stack, tokens: dict[str, str]) -> None:
    client = stack.login("client@demo.test")
    status, _, me = stack.request("GET", "/me", token=client)
    assert status == 200, me
    assert (me["client_cases_active"], me["organization_connected"]) == (True, True)
    admin = tokens["admin@demo.test"]
    status, _, sent = stack.request("GET", "/invitations?state=sent", token=admin)
    assert status == 200 and [i["organization_name"] for i in sent["items"]] == \
        ["Norrsken Bygg AB"]
    status, _, outbox = stack.request("GET", "/_local/outbox")
    assert any(m["to"] == ["nora@norrskenbygg.example"] and "#/invitation?token=" in m["text"]
               for m in outbox["items"])
    previous = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    status, _, usage = stack.request("GET", f"/billing/usage?month={previous}", token=admin)
    assert status == 200 and usage["totals"]["billable_tickets"] >= 3, usage
    assert "Per Persson" not in {r["name"] for r in usage["items"]}
