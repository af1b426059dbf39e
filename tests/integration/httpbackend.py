"""An HTTP/1.1 backend for the integration tests, and raw-socket client
helpers.

HttpBackend is a threaded http.server on an ephemeral port of 127.0.0.1
that records every request it receives (request line, headers, body,
connection identity) and answers through a handler that tests may replace:
handler(req) -> (status, headers list, body bytes) or a raw bytes response.
"""
import hashlib
import http.server
import socket
import threading


class Request:
    def __init__(self, method, path, version, headers, body, conn_id):
        self.method = method
        self.path = path
        self.version = version
        self.headers = headers          # list of (name, value) as received
        self.body = body
        self.conn_id = conn_id          # (client ip, port) of the proxy's connection

    def header(self, name):
        vals = [v for (n, v) in self.headers if n.lower() == name.lower()]
        return vals[-1] if vals else None

    def header_all(self, name):
        return [v for (n, v) in self.headers if n.lower() == name.lower()]


def default_handler(tag):
    def handler(req):
        body = ("%s %s %s\n" % (tag, req.method, req.path)).encode()
        return 200, [("Content-Type", "text/plain")], body
    return handler


class HttpBackend:
    def __init__(self, tag="A", handler=None):
        self.tag = tag
        self.handler = handler or default_handler(tag)
        self.requests = []
        self.lock = threading.Lock()
        backend = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _serve(self):
                te = (self.headers.get("Transfer-Encoding") or "").lower()
                if "chunked" in te:
                    body = b""
                    while True:
                        line = self.rfile.readline()
                        size = int(line.split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    n = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(n) if n else b""
                req = Request(self.command, self.path, self.request_version,
                              list(self.headers.items()), body, self.client_address)
                with backend.lock:
                    backend.requests.append(req)
                out = backend.handler(req)
                if isinstance(out, (bytes, bytearray)):
                    self.wfile.write(out)
                    self.close_connection = True
                    return
                status, headers, rbody = out
                self.send_response_only(status)
                has_len = any(n.lower() in ("content-length", "transfer-encoding") for n, _ in headers)
                for n, v in headers:
                    self.send_header(n, v)
                if not has_len and status not in (204, 304) and not (100 <= status < 200):
                    self.send_header("Content-Length", str(len(rbody)))
                self.end_headers()
                if self.command != "HEAD" and rbody:
                    self.wfile.write(rbody)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_OPTIONS = do_PATCH = _serve

        class S(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = S(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        # stop() waits for the serving loop to notice: it looks every 20 ms
        # (the default, 500 ms, made every test's teardown wait that long
        # per backend)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def count(self):
        with self.lock:
            return len(self.requests)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def read_response(sock, head_only_for_head=False):
    """Reads one HTTP/1.1 response from <sock>; returns (status, headers
    dict lower-cased (last wins), list of (name, value), body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            raise EOFError("connection closed before a response head: %r" % buf)
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    hlist = [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:]]
    hdrs = {n.lower(): v for n, v in hlist}
    if head_only_for_head or status in (204, 304) or 100 <= status < 200:
        sock._pending = rest
        return status, hdrs, hlist, b""
    if hdrs.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        data = bytearray(rest)
        pos = 0
        while True:
            while data.find(b"\r\n", pos) < 0:
                data += sock.recv(262144)
            eol = data.find(b"\r\n", pos)
            size = int(bytes(data[pos:eol]).split(b";")[0], 16)
            pos = eol + 2
            while len(data) < pos + size + 2:
                data += sock.recv(262144)
            body += data[pos:pos + size]
            pos += size + 2
            if size == 0:
                break
        sock._pending = bytes(data[pos:])
        return status, hdrs, hlist, bytes(body)
    if "content-length" in hdrs:
        n = int(hdrs["content-length"])
        got = bytearray(rest)
        while len(got) < n:
            d = sock.recv(262144)
            if not d:
                break
            got += d
        sock._pending = bytes(got[n:])
        return status, hdrs, hlist, bytes(got[:n])
    got = bytearray(rest)
    while True:
        d = sock.recv(262144)
        if not d:
            break
        got += d
    sock._pending = b""
    return status, hdrs, hlist, bytes(got)


class PendingSocket(socket.socket):
    """A socket whose recv() first returns bytes read ahead by
    read_response()."""

    _pending = b""

    def recv(self, n, *a):
        if self._pending:
            d, self._pending = self._pending[:n], self._pending[n:]
            return d
        return super().recv(n, *a)


def connect(port, timeout=5.0):
    s = PendingSocket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def request(port, raw, timeout=5.0):
    """Sends <raw> on a new connection, returns the first response."""
    with connect(port, timeout) as s:
        s.sendall(raw)
        return read_response(s)


def header_values(port, reqs, names, timeout=5.0):
    """Sends the requests <reqs> one after the other on one keep-alive
    connection; returns per response the values of the header fields
    <names> (None when absent)."""
    out = []
    with connect(port, timeout) as s:
        for r in reqs:
            s.sendall(r)
            _, hdrs, _, _ = read_response(s)
            out.append(tuple(hdrs.get(n) for n in names))
    return out


def read_until_close(sock):
    out = sock._pending
    sock._pending = b""
    while True:
        try:
            d = socket.socket.recv(sock, 65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not d:
            break
        out += d
    return out


def sha(data):
    return hashlib.sha256(data).hexdigest()



# ---- helpers for the rules, malformed-request and log tests ----

from conftest import admin_cli, admin_ready  # noqa: E402,F401  (re-exported)


def get(port, path="/", headers=(), host="x", method="GET", body=None, timeout=5.0):
    """Sends one request on a new connection; returns (status, headers
    dict, headers list, body)."""
    return request(port, build(path, headers, host, method, body), timeout)


def build(path="/", headers=(), host="x", method="GET", body=None, version="HTTP/1.1"):
    """Builds a raw request. <headers> is a list of (name, value); <host>
    None leaves the Host field out; <body> adds a Content-Length."""
    lines = ["%s %s %s" % (method, path, version)]
    if host is not None:
        lines.append("Host: %s" % host)
    lines += ["%s: %s" % (n, v) for n, v in headers]
    raw = ("\r\n".join(lines) + "\r\n").encode("latin-1")
    if body is not None:
        raw += b"Content-Length: %d\r\n" % len(body)
    return raw + b"\r\n" + (body or b"")


def table_entries(answer):
    """The entry lines of a `show table` answer, as dicts of their
    key=value words (key, use, exp, and the stored data)."""
    out = []
    for line in answer.splitlines():
        if not line.startswith("0x"):
            continue
        d = {}
        for w in line.split()[1:]:
            if "=" in w:
                k, v = w.split("=", 1)
                d[k] = v
        out.append(d)
    return out
