"""Issue 14, item 7: the contact's shapes drop what support keeps to itself."""

from __future__ import annotations

from chalicelib.domain import tickets as t


def test_a_mail_tickets_created_event_hides_how_the_mail_was_routed() -> None:
    event = t.Event(id="E1", at="2026-11-22T09:30:00Z", actor="system", type="created", data={
        "number": "T-1001", "subject": "Hej", "channel": "email", "ticket_type_id": "question",
        "priority": "normal", "organization_id": "O1", "via": "email",
        "reason": "stranger naming T-1000", "related_ticket_id": "01SECRET",
        "message_id": "<x@evil.example>"})
    shown = t.contact_event(event)
    assert shown.data == {"number": "T-1001", "subject": "Hej", "ticket_type_id": "question",
                          "priority": "normal", "organization_id": "O1"}
    assert event.data["related_ticket_id"] == "01SECRET"  # the stored event is untouched


def test_an_unknown_event_type_shows_no_data() -> None:
    event = t.Event(id="E2", at="2026-11-22T09:30:00Z", actor="A1", type="sla_breach",
                    data={"target": "resolution"})
    assert t.contact_event(event).data == {}


def test_a_contact_ticket_keeps_only_the_viewer_among_the_watchers() -> None:
    ticket = t.Ticket(id="T1", number="T-1001", subject="s", status="open", priority="normal",
                      ticket_type_id="question", organization_id="O1", channel="portal",
                      created_at="x", updated_at="x", created_by="U1", watchers=["U2", "S1"],
                      total_hours=3, related_ticket_id="T0",
                      auto_approval_paused=t.AutoApprovalPause(at="x", by="S1", reason="r"))
    assert t.contact_ticket(ticket, "U2").watchers == ["U2"]
    seen = t.contact_ticket(ticket, "U3").model_dump()
    assert seen["watchers"] == [] and not {"total_hours", "related_ticket_id",
                                           "auto_approval_paused", "created_by"} & set(seen)


def test_a_contact_sees_the_rating_but_not_who_gave_it() -> None:
    ticket = t.Ticket(id="T1", number="T-1001", subject="s", status="closed", priority="normal",
                      ticket_type_id="question", organization_id="O1", channel="portal",
                      created_at="x", updated_at="x", created_by="U1",
                      satisfaction=t.Satisfaction(rating="good", comment="Snabbt", at="y",
                                                  by="U1"))
    seen = t.contact_ticket(ticket, "U1").model_dump()
    assert seen["satisfaction"] == {"rating": "good", "comment": "Snabbt", "at": "y"}


def test_a_mail_comment_shows_a_contact_only_the_refused_files() -> None:
    comment = t.Comment(id="C1", ticket_id="T1", body="Hej", internal=False, author_id="S1",
                        author_kind="staff", via="email", hours=1.5, created_at="x",
                        email=t.CommentEmail(message_id="<m@x>", sender="agent@demo.test",
                                             subject="Re", refused_attachments=["a.exe"]))
    seen = t.contact_comment(comment).model_dump()
    assert seen["email"] == {"refused_attachments": ["a.exe"]} and "hours" not in seen
