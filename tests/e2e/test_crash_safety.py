"""``kill -9`` of the whole local stack in the middle of a stream of creates loses nothing
that was answered: every ticket whose 201 reached the client is there after a restart on the same
state folder, with its number, subject and ``created`` event, and numbering carries on
above every number given. The test waits for conditions (answers counted, requests in
flight, the engine gone); it never sleeps for luck."""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

CUSTOMER = "customer@demo.test"
KILL_AFTER = 100  # answers received before the kill
WORKERS = 4


@dataclass
class Load:
    """The creates sent so far, what came back, and what the kill cut off. Each worker sends
    until its connection dies with the stack, so every worker's last create is cut off
    whenever the kill lands: the test never depends on a request happening to be in flight."""

    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    lock: threading.Condition = field(default_factory=threading.Condition)
    sent: int = 0
    in_flight: int = 0
    created: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {number, subject}
    unanswered: list[str] = field(default_factory=list)  # subjects sent with no answer
    refused: list[tuple[int, Any]] = field(default_factory=list)  # answers other than 201
    stopped: bool = False  # only when the test fails before the kill

    def subject(self, n: int) -> str:
        # One search word per ticket: letters first (never a number search), <= 15 chars.
        return f"Crash c{self.run}{n:03d} while creating"

    def next_subject(self) -> str | None:
        with self.lock:
            if self.stopped:
                return None
            self.sent += 1
            self.in_flight += 1
            return self.subject(self.sent)

    def answered(self, subject: str, status: int | None, body: Any) -> None:
        with self.lock:
            self.in_flight -= 1
            if status == 201:
                self.created[body["id"]] = {"number": body["number"], "subject": subject}
            elif status is None:
                self.unanswered.append(subject)
            else:
                self.refused.append((status, body))
            self.lock.notify_all()


def _send(stack: Stack, token: str, load: Load) -> None:
    while (subject := load.next_subject()) is not None:
        try:
            status, _, body = stack.request("POST", "/tickets", {
                "subject": subject,
                "description": "The stack is killed while this is being created.",
                "ticket_type_id": "technical_fault",
            }, token=token)
        except (OSError, http.client.HTTPException):  # the connection died with the stack
            load.answered(subject, None, None)
            return
        load.answered(subject, status, body)


def _wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)  # polling a condition, not waiting for luck


@pytest.fixture
def stacks() -> Iterator[list[Stack]]:
    """Every stack the test starts is gone afterwards, whatever happened."""
    started: list[Stack] = []
    yield started
    for stack in started:
        if stack.process is not None and stack.process.poll() is None:
            stack.stop()


def test_kill_9_during_200_creates_loses_no_answered_ticket(tmp_path: Path,
                                                           stacks: list[Stack]) -> None:
    first = Stack(state_dir=tmp_path)
    stacks.append(first)
    first.start()
    assert first.engine_pids(), "DynamoDB Local runs on the state folder"
    token = first.login(CUSTOMER)
    load = Load()
    threads = [threading.Thread(target=_send, args=(first, token, load), daemon=True)
               for _ in range(WORKERS)]
    for thread in threads:
        thread.start()

    # Kill once ~100 creates are answered, while others are still on their way.
    with load.lock:
        ready = load.lock.wait_for(
            lambda: len(load.created) + len(load.refused) >= KILL_AFTER
            and load.in_flight >= 2, timeout=180)
        if not ready:
            load.stopped = True
        assert ready, (len(load.created), load.refused[:3], load.in_flight)
    assert first.kill() == -9
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert load.refused == [], load.refused[:5]
    assert len(load.created) >= KILL_AFTER
    assert len(load.unanswered) == WORKERS, "each worker's last create is cut off by the kill"
    numbers = [int(t["number"][2:]) for t in load.created.values()]
    assert len(set(numbers)) == len(numbers), "two answered creates got one number"

    # The engine died with the stack: nothing holds the data folder any more.
    _wait_until(lambda: not first.engine_pids(), 30, "DynamoDB Local to end with the stack")

    second = Stack(state_dir=tmp_path)
    stacks.append(second)
    second.start()
    token = second.login(CUSTOMER)
    lost, changed = [], []
    for position, (ticket_id, expected) in enumerate(load.created.items()):
        status, _, ticket = second.request("GET", f"/tickets/{ticket_id}", token=token)
        if status != 200:
            lost.append((position, expected["number"], ticket_id, status))
        elif (ticket["number"], ticket["subject"]) != (expected["number"], expected["subject"]):
            changed.append((expected, ticket["number"], ticket["subject"]))
    # (position in answer order, number, id, status): which answered creates are gone.
    assert lost == [], (f"{len(lost)} of {len(load.created)} answered tickets are gone; "
                        f"logs in {tmp_path}", lost[:10])
    assert changed == [], changed[:5]
    for ticket_id, expected in load.created.items():
        status, _, events = second.request("GET", f"/tickets/{ticket_id}/events?limit=100",
                                           token=token)
        assert status == 200, events
        created = [e for e in events["items"] if e["type"] == "created"]
        assert len(created) == 1, events["items"]
        assert created[0]["data"]["number"] == expected["number"]

    # A create that was cut off is there whole (ticket, history, search word) or not at all.
    for subject in load.unanswered:
        word = subject.split()[1]
        status, _, found = second.request("GET", f"/tickets?q={quote(word)}", token=token)
        assert status == 200, found
        assert len(found["items"]) <= 1, found["items"]
        for item in found["items"]:
            status, _, events = second.request("GET", f"/tickets/{item['id']}/events",
                                               token=token)
            assert [e["type"] for e in events["items"]].count("created") == 1

    # Numbering carries on above every number given before the kill.
    status, _, after = second.request("POST", "/tickets", {
        "subject": f"After the crash {load.run}", "ticket_type_id": "technical_fault",
        "description": "Created once the stack is back."}, token=token)
    assert status == 201, after
    assert int(after["number"][2:]) > max(numbers)
    assert second.stop() == 0
    assert not second.engine_pids()
