"""The domain: what the helpdesk's things are and the rules they obey, pure (no boto3, no
clock, no I/O: time, ids and the stored state come in as arguments).

- ``models``: the base every pydantic model of the app derives from (``Model``, its
  validator built on first use, not at import), request bodies (``Command``), stored
  aggregates (``Record``), history entries, stored files, the shared field types.
- ``directory``: tenant settings, users, roles, organisations, contacts, sites, service
  objects and the in-app inbox. ``tickets``: ticket types, templates, the status machine,
  comments, attachments, the contact's view. ``contact_orders``: orders, notes, bookings,
  sales orders, saved filters. ``lifecycle``: the timers a ticket's state needs and what
  happens when one is due.
- ``permissions`` and ``principal``: permission names, default roles, who is calling.
- ``notifications``: which history event tells whom. ``support_hours``: SLA arithmetic in
  the tenant's open hours. ``rate_limits``: fixed windows. ``ids``: time-sortable ids.
- ``errors``: the domain's errors, each mapped to one HTTP status by ``api/routing.py``.
"""
