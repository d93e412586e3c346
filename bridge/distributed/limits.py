"""Per-host request limits: no provider sees more than N requests at once, however many workers run.

In one process a semaphore per host does it. Across processes and machines a Redis sorted set per host holds
the leases (member = lease id, score = expiry on the Redis clock). A holder renews its lease while its request
(with its retries) runs; the lease of a worker that died is not renewed and frees its slot within LEASE_SECONDS.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LEASE_SECONDS = 15.0  # a slot is renewed every third of this while held; a dead worker's slot frees after it

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 60)
  return 1
end
return 0
"""
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
return redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
"""


class LocalHostLimiter:
    """At most `limit` requests at once per host, among the threads of this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def __call__(self, host: str) -> Iterator[None]:
        with self._lock:
            slot = self._slots.setdefault(host, threading.BoundedSemaphore(self.limit))
        with slot:
            yield


class RedisHostLimiter:
    """At most `limit` requests at once per host, among all workers that share the Redis server."""

    def __init__(
        self, client: Any, limit: int, *, namespace: str = "bridge:host", lease: float = LEASE_SECONDS
    ) -> None:
        self.client = client
        self.limit = limit
        self.namespace = namespace
        self.lease = lease
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)

    @contextmanager
    def __call__(self, host: str) -> Iterator[None]:
        key = f"{self.namespace}:{host}"
        token = secrets.token_hex(8)
        wait = 0.01
        while not self._acquire(keys=[key], args=[self.limit, self.lease, token]):
            time.sleep(wait * (0.5 + random.random()))  # jitter: waiting workers do not retry in step
            wait = min(wait * 2, 0.2)
        done = threading.Event()
        keeper = threading.Thread(target=self._keep, args=(key, token, done), daemon=True, name="lease")
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join()
            self.client.zrem(key, token)

    def _keep(self, key: str, token: str, done: threading.Event) -> None:
        """Renew the lease until the request is over."""
        while not done.wait(self.lease / 3):
            try:
                self._renew(keys=[key], args=[self.lease, token])
            except Exception:
                continue
