"""A TCP proxy in front of a server that can be frozen: it stops forwarding in both
directions but keeps every connection open, and keeps accepting new ones without passing
them on. From the client's side that is a server which stopped answering (its kernel still
acknowledges our packets), the case where neither TCP nor the server ends a wait.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

_POLL_S = 0.05


class FreezableProxy:
    """Forward 127.0.0.1:`port` to `target`; `frozen` set = forward nothing."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.frozen = threading.Event()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_POLL_S)
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._sockets.append(client)
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        while self.frozen.is_set() and not self._stop.is_set():
            self._stop.wait(_POLL_S)  # accepted, never passed on while frozen
        if self._stop.is_set():
            return
        upstream = socket.create_connection(self.target)
        self._sockets.append(upstream)
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(_POLL_S)
        while not self._stop.is_set():
            if self.frozen.is_set():
                self._stop.wait(_POLL_S)  # not reading: the bytes wait in the kernel
                continue
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            try:
                sink.sendall(data)
            except OSError:
                break
        for s in (source, sink):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        for s in self._sockets:
            s.close()


@contextmanager
def freezable_proxy(target: tuple[str, int]) -> Iterator[FreezableProxy]:
    proxy = FreezableProxy(target)
    try:
        yield proxy
    finally:
        proxy.close()
