"""The use cases: what the API, the jobs and inbound mail ask the app to do.

A service function takes the caller's context (``context.Ctx``: who, when, which version)
and a checked command, applies the pure rules of ``domain/``, and writes through the
repositories of ``store/`` in one transaction; it holds the policy (who may do what) and
never a key string or an index name.

- ``tickets/``: ticket types, templates, tickets, comments, attachments, approval and the
  ticket's timers (a package; its ``__init__`` maps its modules).
- ``contact_orders``: contact orders, bookings, documents, sales orders, the to-do list.
- ``directory``: settings, roles, users, organisations and their children, the inbox.
- ``inbound_mail``: mail to support becoming a ticket or a comment.
- ``answer_links``: the signed one-click answer links sent by mail.
- ``calendar``: a user's bookings as an iCalendar feed.
- ``files``: presigned S3 uploads and downloads (attachments, documents).
- ``rate_limits``: the app's own request limits.
- ``tenants``: provisioning a new tenant.
- shared pieces: ``context`` (``Ctx``), ``writes`` (If-Match, lost races and their
  retry, numbering, history events), ``publish`` (notification events to the outbox).
"""
