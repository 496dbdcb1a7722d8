"""The maintenance scripts start and read their stage the same way (scripts/stage_env.py):
each answers --help without AWS, and the stage's table names reach the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ("index_registers", "recount_clients", "backfill_report_counters")


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_script_starts(name: str) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / f"{name}.py"), "--help"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "tenants" in done.stdout


def test_the_stage_names_the_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import stage_env
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    monkeypatch.setattr(sys, "argv", ["x", "acme", "beta"])
    saved = dict(os.environ)  # the stage's variables must not reach later tests
    try:
        os.environ.pop("TICKETS_TABLE", None)
        os.environ["STAGE"] = "dev"
        assert stage_env.tenants_of_stage("x") == ["acme", "beta"]
        assert os.environ["TICKETS_TABLE"] == "helpdesk-dev-tickets"
    finally:
        os.environ.clear()
        os.environ.update(saved)
