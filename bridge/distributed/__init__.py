"""Work spread over machines: Celery tasks for harvest windows and verify shards, run by `bridge worker`s.

The coordinator (``bridge harvest --distributed``, ``bridge verify --distributed``) plans the units in the
ledger exactly as a local run does, enqueues them on the broker (``BRIDGE_BROKER_URL``, Redis by default),
waits while showing progress, and prints the same summary. Units are idempotent: a window resumes from its
last committed page, a shard's checks are read-only, so a unit redelivered after a worker died changes
nothing. Every worker and the coordinator must use the same ledger (``BRIDGE_LEDGER_URL``, PostgreSQL).
"""
