"""A tiny raw HTTP server on 127.0.0.1 for network-hardening tests: each test says what its handler sends."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Handler = Callable[[socket.socket, bytes], None]  # (connection, request head) -> writes the answer


@contextmanager
def raw_server(handler: Handler) -> Iterator[str]:
    """Serve `handler` on a free 127.0.0.1 port; yield the base URL http://127.0.0.1:PORT."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            head = b""
            try:
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                handler(conn, head)
            except OSError:
                pass  # the client went away: what these tests provoke

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def answer(conn: socket.socket, status: str, headers: dict[str, str], body: bytes = b"") -> None:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), f"Content-Length: {len(body)}"]
    lines.append("Connection: close")  # one answer per connection keeps the server trivial
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def request_path(head: bytes) -> str:
    return head.split(b" ", 2)[1].decode()
