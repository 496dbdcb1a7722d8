"""Ticket use cases, one module per part; this package re-exports them, so callers import
``chalicelib.services.tickets`` and need not know which module holds what.

- ``catalog``: the ready-made types and templates of a new tenant (``provision_defaults``);
  listing, creating and changing ticket types and templates (audited).
- ``access``: who may do what with a ticket (``access_ticket``, ``TicketAccess``):
  staff with ``tickets.view`` see all of the tenant's; a contact sees what their
  organisation's ``ticket_visibility`` allows; anything else is a 404.
- ``shared``: the repository, a ticket's history event, the SLA due times, and ``save``:
  a ticket's next version with its events, timers and outbox records in one transaction.
- ``creating``: ``create_ticket`` from the API, and ``open_ticket`` (``NewTicket``,
  ``Origin``), the one write of a new ticket that inbound mail uses too.
- ``listing``: ``list_tickets`` and the search by number and subject words; the policy
  only (``store/tickets.py`` chooses the index).
- ``patching``: ``patch_ticket``: status, assignee, priority, type and watchers.
- ``comments``: comments from the API and from mail; a ticket's comments and history.
- ``approval``: resolving, approving and rejecting, the timers the sweeps run
  (``run_timer``: reminder, auto-approval, SLA alerts), pausing auto-approval, one-click
  answers from mail and the satisfaction report.
- ``attachments``: presigned uploads and downloads of a ticket's files, and the original
  mail a comment came from.
- ``outbound``: cases from the firm (issue 19): sending one to a client's contacts, a
  recipient marking it done, the reminders before its due date (``run_case_reminder``).
"""

from chalicelib.services.tickets.access import (
    TicketAccess,
    abilities,
    access_ticket,
    get_ticket,
)
from chalicelib.services.tickets.approval import (
    answer,
    approve,
    pause_auto_approval,
    reject,
    resolve,
    resume_auto_approval,
    run_timer,
    satisfaction_report,
)
from chalicelib.services.tickets.attachments import (
    comment_source,
    create_attachment,
    download_attachment,
    list_attachments,
    object_key,
)
from chalicelib.services.tickets.catalog import (
    create_template,
    create_type,
    get_type,
    list_templates,
    list_types,
    patch_template,
    patch_type,
    provision_defaults,
)
from chalicelib.services.tickets.comments import (
    add_comment,
    comment_from_mail,
    list_comments,
    list_events,
)
from chalicelib.services.tickets.creating import NewTicket, Origin, create_ticket, open_ticket
from chalicelib.services.tickets.listing import TicketFilters, list_tickets
from chalicelib.services.tickets.outbound import create_case, mark_done, run_case_reminder
from chalicelib.services.tickets.patching import patch_ticket
from chalicelib.services.tickets.shared import (
    next_version,
    repo,
    save,
    sla_dues,
    ticket_event,
)

__all__ = [
    "NewTicket",
    "Origin",
    "TicketAccess",
    "TicketFilters",
    "abilities",
    "access_ticket",
    "add_comment",
    "answer",
    "approve",
    "comment_from_mail",
    "comment_source",
    "create_attachment",
    "create_case",
    "create_template",
    "create_ticket",
    "create_type",
    "download_attachment",
    "get_ticket",
    "get_type",
    "list_attachments",
    "list_comments",
    "list_events",
    "list_templates",
    "list_tickets",
    "list_types",
    "mark_done",
    "next_version",
    "object_key",
    "open_ticket",
    "patch_template",
    "patch_ticket",
    "patch_type",
    "pause_auto_approval",
    "provision_defaults",
    "reject",
    "repo",
    "resolve",
    "resume_auto_approval",
    "run_case_reminder",
    "run_timer",
    "satisfaction_report",
    "save",
    "sla_dues",
    "ticket_event",
]
