"""The Celery application of the bridge, configured from the settings (broker, result backend, acks late)."""

from __future__ import annotations

from typing import Any

from celery import Celery

from bridge.settings import Settings

app = Celery("bridge", include=["bridge.distributed.tasks"])
QUEUE = "bridge"


def configure(settings: Settings) -> Celery:
    """Point the app at BRIDGE_BROKER_URL and make every unit survive a worker that dies mid-way."""
    app.conf.update(
        broker_url=settings.broker_url,
        result_backend=settings.broker_url,
        task_default_queue=QUEUE,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # A unit is acknowledged only when done; a worker killed mid-unit leaves it to be handed out again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options=_transport_options(settings),
        result_backend_transport_options=_transport_options(settings),
        result_expires=7 * 86400,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


def _transport_options(settings: Settings) -> dict[str, Any]:
    timeout = settings.worker_visibility_timeout
    return {
        "visibility_timeout": timeout,
        # look for units of vanished workers a few times per timeout (kombu's default: every 100 s)
        "unacked_restore_interval": max(1, min(10, timeout // 5)),
        "unacked_restore_throttle": 1,
    }
