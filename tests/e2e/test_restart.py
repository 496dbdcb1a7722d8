"""The local stack keeps everything across a stop and a start, and refuses to start on
a damaged state file without touching it."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.e2e.stack import ROOT, Stack

pytestmark = pytest.mark.e2e


def test_stop_and_start_keeps_every_record_and_login(tmp_path: Path) -> None:
    first = Stack(state_dir=tmp_path).start()
    try:
        token = first.login("admin@demo.test")
        name = f"Persisted {uuid.uuid4().hex[:6]}"
        status, _, org = first.request("POST", "/organizations", {"name": name}, token=token)
        assert status == 201
        status, _, user = first.request("POST", "/users", {"email": "kept@demo.test",
                                                           "name": "Kept"}, token=token)
        assert status == 201
    finally:
        assert first.stop(signal.SIGINT) == 0  # Ctrl-C
    assert (tmp_path / "state.pickle").stat().st_size > 0
    assert not list(tmp_path.glob("*.tmp*"))  # written to a temporary file, then renamed

    second = Stack(state_dir=tmp_path).start()
    try:
        assert any("(restored)" in line for line in second.output)
        token = second.login("admin@demo.test")  # Cognito users and passwords survived
        status, _, found = second.request("GET", f"/organizations/{org['id']}", token=token)
        assert status == 200 and found["name"] == name
        status, _, again = second.request("GET", f"/users/{user['id']}", token=token)
        assert status == 200 and again["email"] == "kept@demo.test"
        status, _, listed = second.request("GET", "/users?limit=100", token=token)
        emails = [u["email"] for u in listed["items"]]
        assert emails.count("admin@demo.test") == 1  # the seed did not run twice
    finally:
        assert second.stop() == 0


def test_a_damaged_state_file_stops_the_start_and_is_left_as_it_was(tmp_path: Path) -> None:
    state = tmp_path / "state.pickle"
    state.write_bytes(b"this is not a saved state")
    before = state.read_bytes()
    run = subprocess.run(
        [sys.executable, "-m", "local", "--port", "0", "--state-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 2
    assert "Cannot start" in run.stderr and str(state) in run.stderr
    assert state.read_bytes() == before
