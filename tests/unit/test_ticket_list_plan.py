"""Which list index answers a ticket list (``store/tickets.py``, no AWS): the most
selective filter's, with ``assignee=none`` the least selective; one status alone has its
own list; otherwise the queue. What the index does not serve is filtered while reading."""

from __future__ import annotations

from chalicelib.store.streams import Stream
from chalicelib.store.tickets import UNASSIGNED, TicketSelection, list_streams


def _plan(**selection: str) -> list[tuple[str | None, str]]:
    return [(s.index, s.pk) for s in list_streams("acme", TicketSelection(**selection))]


def _filter(streams: list[Stream]) -> set[tuple[str, str | None]]:
    """(attribute, wanted value) of each read-time condition; None: must be absent."""
    read_filter = streams[0].filter
    assert all(s.filter == read_filter for s in streams)  # every group is filtered alike
    names, values = read_filter.names or {}, read_filter.values or {}
    return {(attribute, values.get(":" + name[1:])) for name, attribute in names.items()}


def test_without_filters_the_queue_of_both_status_groups_is_read() -> None:
    assert _plan() == [("GSI1", "T#acme#TICKETS#active"), ("GSI1", "T#acme#TICKETS#closed")]
    assert _plan(status="active") == [("GSI1", "T#acme#TICKETS#active")]


def test_one_status_alone_reads_its_own_list_without_a_filter() -> None:
    streams = list_streams("acme", TicketSelection(status="new"))
    assert [(s.index, s.pk) for s in streams] == [("GSI6", "T#acme#TSTATUS#new")]
    assert streams[0].filter.expression is None


def test_the_most_selective_filter_chooses_the_list_and_the_rest_are_filters() -> None:
    selection = TicketSelection(status="new", assignee_id="u1", organization_id="o1",
                                ticket_type_id="x")
    streams = list_streams("acme", selection)
    assert [(s.index, s.pk) for s in streams] == [("GSI3", "T#acme#TASSIGNEE#u1#active")]
    assert _filter(streams) == {("organization_id", "o1"), ("ticket_type_id", "x"),
                                ("status", "new")}


def test_unassigned_is_the_least_selective_list() -> None:
    streams = list_streams("acme", TicketSelection(assignee_id=UNASSIGNED, organization_id="o1"))
    assert [(s.index, s.pk) for s in streams] == [("GSI2", "T#acme#TORG#o1#active"),
                                                  ("GSI2", "T#acme#TORG#o1#closed")]
    assert _filter(streams) == {("assignee_id", None)}
    assert _plan(assignee_id=UNASSIGNED) == [("GSI3", "T#acme#TASSIGNEE#none#active"),
                                             ("GSI3", "T#acme#TASSIGNEE#none#closed")]


def test_changed_after_is_a_range_past_every_change_of_that_moment() -> None:
    (stream,) = list_streams("acme", TicketSelection(status="active",
                                                     updated_after="2026-01-01T00:00:00Z"))
    assert stream.range == ("{sk} > :after", {":after": "2026-01-01T00:00:00Z#~"})
