"""A threaded TCP test server that hands each connection to a handler, and
says nothing first (conftest.Backend sends a tag, which protocol health
checks would read as the server's greeting)."""
import socket
import threading


class TcpServer:
    """Listens on 127.0.0.1 (port in <port>); each accepted connection is
    handled by <handler>(sock) in its own thread, then closed."""

    def __init__(self, handler):
        self.handler = handler
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        c.settimeout(5)
        try:
            self.handler(c)
        except OSError:
            pass
        finally:
            c.close()

    def stop(self):
        self.sock.close()
