"""The status page's pure rules (domain/status.py): a component's state is the worst of its
probe and its open incidents; the page shows open incidents first and the resolved ones of
the last 90 days newest first; names in the reader's language; staff's components never
take a reserved id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain import status as rules
from chalicelib.domain.status import ComponentsPut, Incident, IncidentCreate, IncidentPatch

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SINCE = rules.window_start(NOW).strftime("%Y-%m-%dT%H:%M:%SZ")


def _at(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _incident(name: str, started: float, resolved: float | None = None,
              components: tuple[str, ...] = ("api",), impact: str = "outage") -> Incident:
    return Incident.model_validate({
        "id": name, "title": {"sv": f"{name} sv", "en": f"{name} en"},
        "component_ids": list(components), "impact": impact,
        "status": "open" if resolved is None else "resolved", "started_at": _at(started),
        "resolved_at": None if resolved is None else _at(resolved), "updated_at": _at(0),
        "updates": [{"id": f"{name}-1", "at": _at(started), "message": "first"},
                    {"id": f"{name}-2", "at": _at(started - 0.01), "message": "second"}]})


COMPONENTS = rules.component_list([{"id": "N1", "name": {"sv": "Byggnätverket"}}],
                                  [{"id": "phone", "name": {"en": "Phone"}}])
OK = {"database": "ok", "notifications_dlq": "ok", "inbound_mail_dlq": "ok"}


def test_the_worst_state_wins() -> None:
    assert rules.worst([]) == "operational"
    assert rules.worst(["degraded", "operational"]) == "degraded"
    assert rules.worst(["degraded", "outage", "operational"]) == "outage"


def test_components_are_the_platforms_then_each_network_then_staffs() -> None:
    assert [c.id for c in COMPONENTS] == ["portal", "email", "api", "net-N1", "phone"]
    assert [c.kind for c in COMPONENTS] == ["platform"] * 3 + ["network", "custom"]


@pytest.mark.parametrize(("probes", "expected"), [
    (OK, {"portal": "operational", "email": "operational", "api": "operational"}),
    ({**OK, "notifications_dlq": "degraded"},
     {"portal": "operational", "email": "degraded", "api": "operational"}),
    ({**OK, "database": "degraded"},
     {"portal": "degraded", "email": "degraded", "api": "degraded", "net-N1": "degraded"}),
    ({}, {"portal": "operational"}),  # a probe not reported is no alarm
])
def test_the_probe_feeds_the_platforms_parts(probes: dict[str, str],
                                             expected: dict[str, str]) -> None:
    states = rules.component_states(COMPONENTS, probes, [])
    assert {k: states[k] for k in expected} == expected


def test_an_open_incident_raises_its_components_and_a_resolved_one_does_not() -> None:
    incidents = [_incident("a", 1, components=("api", "net-N1"), impact="degraded"),
                 _incident("b", 2, components=("api",), impact="outage"),
                 _incident("c", 3, resolved=2, components=("phone",))]
    states = rules.component_states(COMPONENTS, {**OK, "notifications_dlq": "degraded"},
                                    incidents)
    assert states == {"portal": "operational", "email": "degraded", "api": "outage",
                      "net-N1": "degraded", "phone": "operational"}


def test_the_page_lists_open_first_then_resolved_newest_first_within_90_days() -> None:
    incidents = [_incident("old-open", 120), _incident("new-open", 1),
                 _incident("resolved-early", 30, resolved=29),
                 _incident("resolved-late", 60, resolved=5),
                 _incident("outside", 91, resolved=88), _incident("new-open", 1)]
    order = [i.id for i in rules.page_order(incidents, SINCE)]
    assert order == ["new-open", "old-open", "resolved-late", "resolved-early"]


def test_the_public_page_speaks_the_readers_language_and_names_no_author() -> None:
    incident = _incident("a", 1, components=("net-N1", "gone"))
    page = rules.public_page("demo", "Demo AB", "en", COMPONENTS, OK, [incident], SINCE)
    shown = page.incidents[0]
    assert shown.title == "a en" and [c.id for c in shown.components] == ["net-N1"]
    assert [u.message for u in shown.updates] == ["second", "first"]  # newest first
    # A network named only in Swedish is shown in Swedish rather than not at all.
    assert {c.id: c.name for c in page.components}["net-N1"] == "Byggnätverket"
    assert page.state == "outage"
    assert "actor" not in page.model_dump_json()


def _errors(model: type[Any], body: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return {str(e["loc"][0]) for e in caught.value.errors()}


def test_commands_name_each_bad_field() -> None:
    assert _errors(IncidentCreate, {"title": {}, "component_ids": [], "impact": "down",
                                    "message": " "}) == {
        "title", "component_ids", "impact", "message"}
    assert _errors(IncidentPatch, {"resolved": False}) == {"resolved"}
    assert _errors(ComponentsPut, {"components": [{"id": "Bad Id", "name": {"en": "x"}}]}) \
        == {"components"}


@pytest.mark.parametrize("ids", [["portal"], ["net-abc"], ["phone", "phone"]])
def test_staffs_components_take_no_reserved_or_repeated_id(ids: list[str]) -> None:
    with pytest.raises(ValidationError):
        ComponentsPut.model_validate({"components": [{"id": i, "name": {"en": i}}
                                                     for i in ids]})


def test_unknown_components_are_named_by_position() -> None:
    assert rules.unknown_components(["api", "nope", "net-N1", "x"], COMPONENTS) == [1, 3]
    assert rules.distinct(["a", "b", "a"]) == ["a", "b"]


@pytest.mark.parametrize("lang", ["sv", "fi", "en", "de"])
def test_the_confirmation_mail_carries_both_links_in_every_language(lang: str) -> None:
    subject, text = rules.confirmation_mail(lang, "Demo AB", "https://x/confirm",
                                            "https://x/leave")
    assert "Demo AB" in subject and "https://x/confirm" in text and "https://x/leave" in text


@pytest.mark.parametrize("lang", ["sv", "fi", "en"])
def test_an_incident_mail_escapes_staffs_text_and_ends_with_the_unsubscribe_link(
        lang: str) -> None:
    from chalicelib.notify.render import render

    script = '<script>alert("x")</script>'
    leave = "https://portal.example.com/#/status/demo?unsubscribe=abc.def"
    message = render("incident_update", lang, {
        "recipient_name": "", "tenant_name": "Demo AB", "link": "https://p/#/status/demo",
        "preferences_link": leave, "reason": "updated",
        "incident": {"title": f"Avbrott {script}", "impact": "degraded", "components": "API"},
        "update": {"at": "2026-12-03 10:15", "message": f"Vi felsöker {script}"}})
    assert "<script" not in message.html and "&lt;script&gt;" in message.html
    assert message.subject.startswith("[Demo AB] ") and script in message.text
    assert message.text.rstrip().endswith(leave)
    assert {"sv": "prenumererar", "fi": "tilannut", "en": "subscribed"}[lang] in message.text
