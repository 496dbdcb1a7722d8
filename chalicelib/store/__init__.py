"""The storage adapters: every DynamoDB key, index and query plan of the app lives here,
and nothing outside this folder builds a key string (``T#``, ``USER#``, ``GSI…``).
Services ask a repository for what they need ("the open tickets of organisation X").

- ``tables``: table names and the key grammar (``T#<tenant>#…``); the tables' shape.
- ``clients``: the lazily created, reused boto3 clients.
- ``dynamo``: item conversion, GetItem / Query / BatchGetItem helpers and the unit of work
  (one ``TransactWriteItems`` per change).
- ``streams``: lists read from one or more key ranges with bounded Queries (merged or
  chained), the cursor positions they return, and read-time filters.
- ``cursor``: opaque, signed list cursors around ``LastEvaluatedKey``.
- ``schedule``: the sparse ``due`` index of scheduled work (ticket timers, reminders).
- ``counters``: per-tenant gap-free numbers (tickets, contact orders, sales orders).
- ``outbox``: notification records written in the transaction of their change.
- repositories, one per table or concern, each listing its access patterns at the top:
  ``directory``, ``tickets``, ``contact_orders``, ``mail``, ``idempotency``,
  ``deliveries``, ``sent_mail``, ``rate_limits``.
"""
