"""The app's non-HTTP entry points and their thin adapters: the EventBridge schedules and
SQS consumers registered in ``handlers``, the scheduled sweeps (``sweeps``), the outbox
relay (``relay``), the inbound mail and notifications consumers (``inbound``,
``notifications``) and their shared SQS batch loop (``batch``). The use cases they call
live in ``services/``."""
