"""Chat's pure rules (issue 18): availability, the socket grant and the visitor's key,
client frames, the transcript, and the template's WebSocket wiring."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import chat as rules
from chalicelib.domain.directory import ChatSettings, SupportHours
from tests.unit.test_infra_template import TEMPLATE, role_statements

SECRET = "a-test-secret-that-is-long-enough-for-hmac"
# A Monday 10:00 in Stockholm (09:00 UTC) and the Sunday after.
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SUNDAY = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
ON = ChatSettings(enabled=True)


@pytest.mark.parametrize(("settings", "moment", "online", "expected"), [
    (ON, MONDAY, True, (True, "open")),
    (ChatSettings(), MONDAY, True, (False, "disabled")),
    (ON, SUNDAY, True, (False, "outside_hours")),
    (ON, MONDAY.replace(hour=18), True, (False, "outside_hours")),
    (ON, MONDAY, False, (False, "no_one_online")),
])
def test_availability_needs_chat_on_support_open_and_someone_online(
        settings: ChatSettings, moment: datetime, online: bool,
        expected: tuple[bool, str]) -> None:
    state = rules.availability(settings, SupportHours(), online, moment)
    assert (state.available, state.reason) == expected


def test_a_grant_reads_back_only_unaltered_unexpired_and_in_its_scope() -> None:
    grant = rules.Grant("acme", "S1", "customer", None, "Vera", rules.grant_expiry(MONDAY))
    token = rules.issue_grant(SECRET, grant)
    assert rules.read_grant(SECRET, token, MONDAY) == grant
    assert rules.read_grant(SECRET, token, MONDAY + timedelta(
        seconds=rules.GRANT_SECONDS)) is None
    assert rules.read_grant("another-secret-that-is-long-enough-too", token, MONDAY) is None
    payload, signature = token.split(".")
    assert rules.read_grant(SECRET, payload[:-2] + "xx." + signature, MONDAY) is None
    assert rules.read_grant(SECRET, "", MONDAY) is None
    # A visitor's key is signed for another purpose: it never opens a socket, and back.
    visitor = rules.VisitorKey("acme", "S1", "Vera")
    key = rules.issue_visitor_key(SECRET, visitor, MONDAY)
    assert rules.read_grant(SECRET, key, MONDAY) is None
    assert rules.read_visitor_key(SECRET, token, MONDAY) is None
    assert rules.read_visitor_key(SECRET, key, MONDAY) == visitor
    assert rules.read_visitor_key(SECRET, key, MONDAY + timedelta(
        hours=rules.VISITOR_KEY_HOURS)) is None


def test_frames_are_checked_before_anything_is_done() -> None:
    frame = rules.parse_frame(json.dumps({"action": "send", "text": "Hej", "client_id": "c-1"}))
    assert frame == rules.Frame("send", "Hej", "c-1")
    assert rules.parse_frame('{"action": "typing"}').action == "typing"
    for bad in ("[]", "nope", '{"action": "shout"}', '{"action": "send", "text": " "}',
                '{"action": "send", "text": 5}',
                '{"action": "send", "text": "x", "client_id": "a b"}',
                '{"action": "typing", "session_id": 7}',
                json.dumps({"action": "send", "text": "x" * (rules.MAX_TEXT + 1)}),
                json.dumps({"action": "send", "text": "é" * rules.MAX_FRAME_BYTES})):
        with pytest.raises(rules.BadFrame):
            rules.parse_frame(bad)


def test_a_send_frame_may_carry_files_and_then_no_text() -> None:
    frame = rules.parse_frame(json.dumps({"action": "send", "attachment_ids": ["F1", "F2"]}))
    assert frame.text == "" and frame.attachment_ids == ("F1", "F2")
    for bad in ({"action": "send", "attachment_ids": []},
                {"action": "send", "text": "x", "attachment_ids": "F1"},
                {"action": "send", "text": "x", "attachment_ids": ["a b"]},
                {"action": "send", "attachment_ids": ["F"] * (rules.MAX_MESSAGE_FILES + 1)}):
        with pytest.raises(rules.BadFrame):
            rules.parse_frame(json.dumps(bad))


def test_the_transcript_names_each_file_once_collected() -> None:
    customer = rules.Customer(kind="visitor", name="Vera", email="v@example.com",
                              language="fi")
    session = rules.Session(id="S1", state="ended", customer=customer,
                            created_at="2026-11-23T09:00:00Z", updated_at="2026-11-23T09:05:00Z",
                            last_message_at="2026-11-23T09:04:00Z")
    pdf = rules.MessageFile(id="F1", filename="lasku.pdf", content_type="application/pdf",
                            size=10)
    said = [rules.Message(id="M1", session_id="S1", side="customer", author_name="Vera",
                          text="", at="2026-11-23T09:01:00Z", attachments=[pdf]),
            rules.Message(id="M2", session_id="S1", side="customer", author_name="Vera",
                          text="Taas", at="2026-11-23T09:02:00Z", attachments=[pdf])]
    text = rules.transcript(session, said)
    assert "[2026-11-23T09:01:00Z] Vera: [Tiedosto: lasku.pdf]" in text
    assert "Vera: Taas [Tiedosto: lasku.pdf]" in text
    assert rules.message_files(said) == ["F1"]
    assert rules.subject(session, said) == "Chat: Taas"  # the first line with text


def test_messages_lose_their_markup_as_comments_do() -> None:
    assert rules.clean_text('<script>alert(1)</script>Hej <b>där</b> &lt;3') == "Hej där <3"


def test_the_transcript_and_its_subject() -> None:
    customer = rules.Customer(kind="visitor", name="Vera", email="v@example.com",
                              language="sv")
    session = rules.Session(id="S1", state="ended", customer=customer,
                            created_at="2026-11-23T09:00:00Z", updated_at="2026-11-23T09:05:00Z",
                            last_message_at="2026-11-23T09:04:00Z",
                            ended_at="2026-11-23T09:05:00Z")
    said = [rules.Message(id="M1", session_id="S1", side="customer", author_name="Vera",
                          text="Hur skapar jag ett ärende?\nTack", at="2026-11-23T09:01:00Z"),
            rules.Message(id="M2", session_id="S1", side="agent", author_name="Aino",
                          text="Via Nytt ärende.", at="2026-11-23T09:02:00Z")]
    text = rules.transcript(session, said)
    assert text.startswith("Chatt 2026-11-23T09:00:00Z - 2026-11-23T09:05:00Z")
    assert "[2026-11-23T09:02:00Z] Aino: Via Nytt ärende." in text
    assert rules.subject(session, said) == "Chat: Hur skapar jag ett ärende?"
    assert rules.subject(session, []) == "Chat: Vera"
    assert rules.abandon_at("2026-11-23T09:04:00Z") == "2026-11-23T09:19:00Z"


def test_the_functions_reach_the_websocket_api_and_may_push_to_its_connections() -> None:
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert "${WebsocketAPI}" in variables["CHAT_SOCKET_URL"]["Fn::Sub"]
    assert variables["CHAT_PUSH_ENDPOINT"]["Fn::Sub"].startswith("https://${WebsocketAPI}.")
    statement = role_statements()["ChatConnections"]
    assert statement["Action"] == ["execute-api:ManageConnections"]
    assert all("/@connections/" in r["Fn::Sub"] for r in statement["Resource"])
