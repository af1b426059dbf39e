"""A keep-alive server connection that the server closes as the next
request arrives on it (a server's keep-alive timeout racing the request):
the request failed before any response byte on a reused connection.

As HAProxy 2.6: with the default `retry-on conn-failure`, Tollgate answers
no 502, it closes the client connection without a response (and without a
log line), the cue for a client to resend on a new connection; with
`retry-on empty-response` (or `all-retryable-errors`) it resends the
request itself on a new server connection, and the client sees every
response. Compared with haproxy 2.6."""
import socket
import threading

from httpbackend import connect, read_response

from conftest import (ADMIN_GLOBAL, HAPROXY, HTTP_DEFAULTS, admin_cli, free_port, run_check,
                      start_both)

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
%(extra)s
    server s 127.0.0.1:%(srv)d
"""


class OneShotServer:
    """Answers the first request of each connection (keep-alive, no
    `connection: close`), then closes the connection as soon as a second
    request arrives on it, without answering it. Counts the requests it
    answered."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.answered = 0
        self.stopping = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(c,), daemon=True).start()

    def _handle(self, c):
        data = b""
        with c:
            try:
                while b"\r\n\r\n" not in data:
                    d = c.recv(4096)
                    if not d:
                        return
                    data += d
                self.answered += 1
                c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                c.recv(4096)   # the next request: closed unanswered
            except OSError:
                pass

    def stop(self):
        self.stopping = True
        self.sock.close()


def requests(port, n):
    """Sends <n> sequential keep-alive requests, reconnecting whenever the
    proxy closes without a response. Returns (statuses, reconnections)."""
    statuses, reconnects = [], 0
    s = connect(port)
    try:
        for _ in range(n):
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                status = read_response(s)[0]
            except (EOFError, ConnectionError):
                status = None
            if status is None:
                reconnects += 1
                s.close()
                s = connect(port)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                status = read_response(s)[0]
            statuses.append(status)
    finally:
        s.close()
    return statuses, reconnects


def run_both(tollgate, haproxy, extra):
    out = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        srv = OneShotServer()
        try:
            port = free_port()
            start(CFG % dict(port=port, srv=srv.port, extra=extra), port=port)
            out[name] = requests(port, 6)
        finally:
            srv.stop()
    return out


def test_default_closes_the_client_without_502(tollgate, haproxy):
    out = run_both(tollgate, haproxy, "")
    # every request is answered 200 (after the client's own resend), none 502
    assert out["tollgate"][0] == [200] * 6
    assert out == {"tollgate": out["haproxy"], "haproxy": out["haproxy"]}
    assert out["tollgate"][1] > 0   # the client had to resend


def test_empty_response_retries_on_a_new_connection(tollgate, haproxy):
    for extra in ("    retry-on empty-response", "    retry-on all-retryable-errors"):
        out = run_both(tollgate, haproxy, extra)
        assert out["tollgate"] == ([200] * 6, 0), (extra, out)
        assert out["haproxy"] == out["tollgate"], (extra, out)


def one_request(start, srv, extra, cfg_name, payload=b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"):
    """Starts a proxy (<start>: the tollgate or haproxy fixture) before
    server <srv> with <extra> backend lines, sends <payload> once. Returns
    (status answered, requests the server saw); stops <srv>."""
    try:
        port = free_port()
        start(CFG % dict(port=port, srv=srv.port, extra=extra), port=port, name=cfg_name)
        with connect(port) as s:
            s.sendall(payload)
            return read_response(s)[0], srv.answered
    finally:
        srv.stop()
        for c in getattr(srv, "hung", ()):
            c.close()


def test_empty_response_on_a_new_connection(tollgate, haproxy):
    """The first server connection closes unanswered: a 502 by default, the
    request resent (with its body) under `retry-on empty-response`."""
    out = {}
    for extra in ("", "    retry-on empty-response", "    retry-on conn-failure 503"):
        for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
            out[(extra, name)] = one_request(
                start, FirstBadServer(b""), extra, "%s-%d.cfg" % (name, len(out)),
                b"POST / HTTP/1.1\r\nHost: x\r\ncontent-length: 4\r\n\r\nbody")
    assert out[("", "tollgate")] == (502, 1)
    assert out[("    retry-on empty-response", "tollgate")] == (200, 2)
    assert out[("    retry-on conn-failure 503", "tollgate")] == (502, 1)
    for extra in ("", "    retry-on empty-response", "    retry-on conn-failure 503"):
        assert out[(extra, "tollgate")] == out[(extra, "haproxy")], out


RETRY_CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
    timeout connect 100ms
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
%(extra)s
    server s 127.0.0.1:%(dead)d
"""


def wretr(sock):
    """The backend's retries counter (`show stat` wretr)."""
    lines = admin_cli(sock, "show stat").strip().split("\n")
    cols = lines[0].lstrip("# ").split(",")
    for line in lines[1:]:
        f = line.split(",")
        if f[0] == "be" and f[1] == "BACKEND":
            return int(f[cols.index("wretr")])
    raise AssertionError(lines)


def test_retry_on_none_stops_connection_retries(tollgate, haproxy, tmp_path, dead_port):
    """`retries` only applies to failed connections while `retry-on` keeps
    conn-failure (the default); `retry-on none` answers 503 at once."""
    got = {}
    for i, extra in enumerate(("    retries 2", "    retries 2\n    retry-on none",
                               "    retries 2\n    retry-on empty-response")):
        d = tmp_path / str(i)
        d.mkdir()
        ends = start_both(tollgate, haproxy, d, RETRY_CFG, extra=extra, dead=dead_port)
        for name, (sock, port) in ends.items():
            with connect(port) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                got[(extra, name)] = (read_response(s)[0], wretr(sock))
    assert got[("    retries 2", "tollgate")] == (503, 2)
    assert got[("    retries 2\n    retry-on none", "tollgate")] == (503, 0)
    for k in list(got):
        assert got[k] == got[(k[0], "haproxy")], got


def test_retry_on_errors_name_the_place(tmp_path):
    for bad, word in (("retry-on", "at least one"), ("retry-on 418", "'418'"), ("retry-on empty", "'empty'")):
        rc, out, path = run_check(HTTP_DEFAULTS + "backend be\n    %s\n    server s 127.0.0.1:1\n" % bad, tmp_path)
        assert rc != 0 and "%s:8" % path in out and word in out, out
        assert run_check(HTTP_DEFAULTS + "backend be\n    %s\n    server s 127.0.0.1:1\n" % bad, tmp_path,
                         binary=HAPROXY)[0] != 0


class FirstStatusServer(OneShotServer):
    """Answers its very first request 503 (a full response, keep-alive),
    every later one 200. Counts the requests it saw."""

    def _handle(self, c):
        data = b""
        with c:
            try:
                while True:
                    while b"\r\n\r\n" not in data:
                        d = c.recv(4096)
                        if not d:
                            return
                        data += d
                    data = data.split(b"\r\n\r\n", 1)[1]
                    self.answered += 1
                    st = b"503 Service Unavailable" if self.answered == 1 else b"200 OK"
                    c.sendall(b"HTTP/1.1 " + st + b"\r\ncontent-length: 2\r\n\r\nok")
            except OSError:
                pass


def test_retry_on_status(tollgate, haproxy):
    """`retry-on 503`: a 503 from the server is not shown, the request is
    sent again; without it (or naming another status) the 503 is."""
    out = {}
    cases = ("", "    retry-on 503", "    retry-on 502 504", "    retry-on all-retryable-errors")
    for extra in cases:
        for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
            out[(extra, name)] = one_request(start, FirstStatusServer(), extra, "%s-%d.cfg" % (name, len(out)))
    assert out[("", "tollgate")] == (503, 1)
    assert out[("    retry-on 503", "tollgate")] == (200, 2)
    assert out[("    retry-on 502 504", "tollgate")] == (503, 1)
    for extra in cases:
        assert out[(extra, "tollgate")] == out[(extra, "haproxy")], out


class FirstBadServer(OneShotServer):
    """Its first connection gets <first> for its request and is then closed
    (None: never answered, kept open); every later request is answered
    200."""

    def __init__(self, first):
        self.first = first
        self.hung = []
        super().__init__()

    def _handle(self, c):
        first = not getattr(self, "seen", False)
        self.seen = True
        if first:
            self._bad(c)
            return
        FirstStatusServer._handle(self, c)

    def _bad(self, c):
        data = b""
        while b"\r\n\r\n" not in data:
            d = c.recv(4096)
            if not d:
                break
            data += d
        self.answered += 1
        if self.first is None:
            self.hung.append(c)   # closed at stop
            return
        c.sendall(self.first)
        c.close()


def test_retry_on_junk_and_timeout(tollgate, haproxy):
    """junk-response: a response that is not HTTP (a head cut by the close
    is answered 502 either way, as HAProxy 2.6); response-timeout: no
    response within timeout server. Each is answered 502/504 without its
    keyword, resent with it."""
    cases = (
        (b"JUNK\r\n\r\n", "", 502), (b"JUNK\r\n\r\n", "    retry-on junk-response", 200),
        (b"HTTP/1.1 200 OK\r\ncontent-le", "", 502),
        (b"HTTP/1.1 200 OK\r\ncontent-le", "    retry-on junk-response", 502),   # as 2.6
        (None, "    timeout server 300ms", 504),
        (None, "    timeout server 300ms\n    retry-on response-timeout", 200),
    )
    for first, extra, want in cases:
        got = {}
        for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
            got[name] = one_request(start, FirstBadServer(first), extra,
                                    "%s-%d.cfg" % (name, cases.index((first, extra, want))))
        assert got["tollgate"][0] == want, (first, extra, got)
        assert got["tollgate"] == got["haproxy"], (first, extra, got)
