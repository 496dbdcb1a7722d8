"""Scheduled sweeps, the outbox relay and the notifications consumer (not HTTP)."""
