"""Run the sandbox: in-process on a background thread (tests, embedded default) or in the foreground."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from bridge.errors import ConfigError
from bridge.sandbox.app import Account, Sandbox, SandboxConfig, build_app, create_sandbox
from bridge.sandbox.store import Store


@dataclass
class RunningSandbox:
    """What a caller needs of a started sandbox: its URLs, accounts and state."""

    sandbox: Sandbox
    server: uvicorn.Server

    @property
    def urls(self) -> dict[str, str]:
        return self.sandbox.urls

    @property
    def base_url(self) -> str:
        return self.sandbox.base_url

    @property
    def admin(self) -> Account:
        return self.sandbox.accounts["admin"]

    @property
    def submitter(self) -> Account:
        return self.sandbox.accounts["submitter"]

    @property
    def store(self) -> Store:
        """The sandbox's Store, for tests that break things on purpose."""
        return self.sandbox.store


def bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket first, so the base URL (with a free port) is known before start."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        # The sandbox holds test credentials and fake PIDs: it is never exposed beyond loopback by accident.
        raise ConfigError(f"the sandbox binds only to loopback, not {host}", hint="use --host 127.0.0.1")
    family = socket.AF_INET6 if host == "::1" else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio enables TCP_NODELAY only then; without it every body waits ~40 ms.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}", hint="choose another --port") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _server(sandbox: Sandbox) -> uvicorn.Server:
    config = uvicorn.Config(
        build_app(sandbox), log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30
    )
    return uvicorn.Server(config)


@contextmanager
def running_sandbox(config: SandboxConfig, env: dict[str, str] | None = None) -> Iterator[RunningSandbox]:
    """Start the sandbox on a background thread (a free 127.0.0.1 port by default); stop it on exit."""
    sock = bind(config.host, config.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    sandbox = create_sandbox(config, f"http://{shown}:{port}", env)
    server = _server(sandbox)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="bridge-sandbox")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise ConfigError("the sandbox server did not start")
        time.sleep(0.01)
    try:
        yield RunningSandbox(sandbox=sandbox, server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        sandbox.close()


def serve_forever(
    config: SandboxConfig,
    env: dict[str, str] | None = None,
    on_start: Callable[[Sandbox], None] | None = None,
) -> None:
    """Run the sandbox in the foreground until interrupted (``bridge sandbox serve``)."""
    sock = bind(config.host, config.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    sandbox = create_sandbox(config, f"http://{shown}:{port}", env)
    if on_start is not None:
        on_start(sandbox)
    try:
        _server(sandbox).run(sockets=[sock])
    finally:
        sock.close()
        sandbox.close()
