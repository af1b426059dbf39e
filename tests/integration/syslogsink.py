"""A TCP syslog server for tests: keeps the bytes of every connection
(test_log_backend.py, test_ring.py)."""
import re
import socket
import threading

from conftest import free_port


class TcpSink:
    """A TCP syslog server on <port> (a free one by default), listening
    once start() is called."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.data = b""
        self.lock = threading.Lock()
        self.ls = None

    def start(self):
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", self.port))
        self.ls.listen(8)
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(c,), daemon=True).start()

    def _read(self, c):
        while True:
            d = c.recv(65536)
            if not d:
                return
            with self.lock:
                self.data += d

    def frames(self):
        """The complete RFC6587 octet-counted frames received so far."""
        out, data = [], self.data
        while data:
            m = re.match(rb"(\d+) ", data)
            if not m or len(data) < len(m.group(0)) + int(m.group(1)):
                break
            end = len(m.group(0)) + int(m.group(1))
            out.append(data[len(m.group(0)):end])
            data = data[end:]
        return out
