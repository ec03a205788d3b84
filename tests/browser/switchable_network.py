"""A TCP proxy between the browser and the test server that can be switched off: then nothing
listens on its port, so every request, the service worker's own included, is refused, which
Playwright's set_offline alone does not do (Playwright issue 2311). It counts what passes, and can
cut the connection after a number of bytes sent to the server (a network lost mid-upload)."""

import contextlib
import socket
import threading


class SwitchableNetwork:
    def __init__(self, target_port, port):
        self.target_port, self.port = target_port, port
        self.listener = None
        self.connections = set()
        self.lock = threading.Lock()
        self.accepted = 0
        self.bytes_up = 0
        self.bytes_down = 0
        self.cut_after = None

    @property
    def url(self):
        return f"http://localhost:{self.port}"

    def on(self, cut_after=None):
        self.cut_after = cut_after
        self.bytes_up = 0
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def off(self):
        listener, self.listener = self.listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread: the port is free at once
            listener.close()
        with self.lock:
            for connection in list(self.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self.connections.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            if self.listener is not listener:
                client.close()
                return
            self.accepted += 1
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.connections.update((client, server))
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source, sink, upstream):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if upstream:
                    self.bytes_up += len(data)
                    if self.cut_after is not None and self.bytes_up > self.cut_after:
                        threading.Thread(target=self.off, daemon=True).start()
                        break
                else:
                    self.bytes_down += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
            with self.lock:
                self.connections.discard(source)
                self.connections.discard(sink)
