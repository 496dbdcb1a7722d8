"""Every module whose outbox records the notifications consumer plans for has a table the
relay reads and the consumer deletes from: a module missing there left its record to fail
after the mail went out, and to come back until the DLQ."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from chalicelib.store import outbox

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_the_consumer_plans_for_has_an_outbox_table(
        monkeypatch: pytest.MonkeyPatch) -> None:
    source = (ROOT / "chalicelib" / "services" / "notifications.py").read_text()
    modules = set(re.findall(r'module == "(\w+)"', source))
    monkeypatch.setattr(outbox, "get_config", lambda: SimpleNamespace(
        tickets_table="t", contact_orders_table="c", networks_table="n", help_table="h"))
    assert {"tickets", "contact_orders", "status", "reports"} <= modules
    assert modules <= set(outbox.tables())
