"""option httpchk: HTTP health checks against Python HTTP backends whose
answer can be changed while tollgate runs (status, body), the request they
receive (`option httpchk` arguments, `http-check send`), `http-check
expect` status/rstatus/string/rstring with negation, the reasons in the log
and the state in `show servers state`, and configuration errors of
`option httpchk` / `http-check` lines (tollgate -c, with file:line).

Backends are mode tcp: health checks do not depend on the proxy's mode.
"""
import threading

import pytest

from conftest import admin_cli, free_port, run_check, wait_until

BASE = """
global
    nbthread 2
    stats socket %s level admin
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    timeout check 2s
"""


class HttpResponder:
    """Handler for conftest.Backend: reads a request head, records it, and
    answers <status> <reason> with <body> (Content-Length framed, or until
    the close with <close_delimited>). The answer can be changed while
    running; answered checks are counted."""

    def __init__(self, status=200, reason="OK", body=b"", close_delimited=False, fields=""):
        self.fields = fields      # extra header lines, each ending in CRLF
        self.status = status
        self.reason = reason
        self.body = body
        self.close_delimited = close_delimited
        self.requests = []
        self.lock = threading.Lock()

    def set(self, status, reason, body=b""):
        with self.lock:
            self.status, self.reason, self.body = status, reason, body

    def __call__(self, c):
        c.settimeout(10)
        got = b""
        while b"\r\n\r\n" not in got:
            d = c.recv(4096)
            if not d:
                return
            got += d
        with self.lock:
            status, reason, body = self.status, self.reason, self.body
        head = "HTTP/1.1 %d %s\r\n" % (status, reason) + self.fields
        if not self.close_delimited:
            head += "Content-Length: %d\r\n" % len(body)
        head += "Connection: close\r\n\r\n"
        c.sendall(head.encode() + body)
        with self.lock:
            self.requests.append(got)

    def count(self):
        with self.lock:
            return len(self.requests)

    def last_request(self):
        with self.lock:
            return self.requests[-1]


def cfg(sock, port, servers, lines, fall=1, rise=1):
    out = [BASE % sock, "listen lb", "    bind 127.0.0.1:%d" % port, "    option log-health-checks"]
    out += ["    " + line for line in lines]
    out += ["    server %s 127.0.0.1:%d check inter 50 fall %d rise %d" % (name, p, fall, rise)
            for name, p in servers]
    return "\n".join(out) + "\n"


def admin(sock, command):
    return admin_cli(sock, command)


def op_state(sock, srv):
    """srv_op_state of lb/<srv> in `show servers state`: 2 up, 0 down."""
    for line in admin(sock, "show servers state lb").splitlines():
        f = line.split()
        if len(f) > 5 and f[1] == "lb" and f[3] == srv:
            return int(f[5])
    raise AssertionError("no server %s in show servers state" % srv)


def stays_up(t, resp, name, probes=5):
    """<probes> answered checks and <name> never reported failing: probe
    N+1 starts after probe N's result, so the earlier results are logged."""
    wait_until(lambda: resp.count() >= probes, 10, "%d checks answered" % probes)
    out = t.output()
    assert "lb/%s is DOWN" % name not in out, out
    assert "Health check for server lb/%s failed" % name not in out, out


def start(tmp_path, backend, tollgate, responders, lines, fall=1, rise=1):
    sock = str(tmp_path / "admin.sock")
    backs = [backend(name, r) for name, r in responders]
    port = free_port()
    t = tollgate(cfg(sock, port, [(name, b.port) for (name, _), b in zip(responders, backs)], lines,
                     fall, rise), port=port)
    return t, sock


def test_default_request_and_down_up_cycle(tmp_path, backend, tollgate):
    """200 keeps the server up; 500 brings it down after `fall` failures
    (the first one logged), 200 again brings it up after `rise`."""
    web = HttpResponder(200, "OK")
    t, sock = start(tmp_path, backend, tollgate, [("a", web)], ["option httpchk"], fall=3, rise=2)
    stays_up(t, web, "a")
    # as HAProxy: close is HTTP/1.0's default, so not said
    assert web.last_request() == b"OPTIONS / HTTP/1.0\r\n\r\n"
    assert op_state(sock, "a") == 2

    web.set(500, "Internal Server Error")
    t.wait_log('Server lb/a is DOWN, reason: Layer7 wrong status, code: 500, info: "Internal Server Error"')
    out = t.output()
    first = out.index("Health check for server lb/a failed, reason: Layer7 wrong status, code: 500")
    assert "status: 2/3 UP." in out[first:].splitlines()[0], out
    wait_until(lambda: op_state(sock, "a") == 0, 5, "lb/a down in show servers state")

    web.set(200, "OK")
    t.wait_log('Server lb/a is UP, reason: Layer7 check passed, code: 200, info: "OK"')
    wait_until(lambda: op_state(sock, "a") == 2, 5, "lb/a up in show servers state")


def test_3xx_passes_4xx_fails_by_default(tmp_path, backend, tollgate):
    redirect = HttpResponder(302, "Found")
    missing = HttpResponder(404, "Not Found")
    t, _ = start(tmp_path, backend, tollgate, [("a", redirect), ("b", missing)], ["option httpchk /"])
    t.wait_log('Server lb/b is DOWN, reason: Layer7 wrong status, code: 404, info: "Not Found"')
    stays_up(t, redirect, "a")


def test_expect_status_list(tmp_path, backend, tollgate):
    nocontent = HttpResponder(204, "No Content")
    ok = HttpResponder(200, "OK")
    t, _ = start(tmp_path, backend, tollgate, [("a", nocontent), ("b", ok)],
                 ["option httpchk", "http-check expect status 204"])
    t.wait_log('Server lb/b is DOWN, reason: Layer7 wrong status, code: 200, info: "OK"')
    stays_up(t, nocontent, "a")


def test_expect_status_range(tmp_path, backend, tollgate):
    teapot = HttpResponder(418, "I'm a teapot")
    err = HttpResponder(502, "Bad Gateway")
    t, _ = start(tmp_path, backend, tollgate, [("a", teapot), ("b", err)],
                 ["option httpchk", "http-check expect status 200-299,400-499"])
    t.wait_log('Server lb/b is DOWN, reason: Layer7 wrong status, code: 502, info: "Bad Gateway"')
    stays_up(t, teapot, "a")


def test_expect_string(tmp_path, backend, tollgate):
    good = HttpResponder(200, "OK", b"status: all OK\n")
    bad = HttpResponder(200, "OK", b"status: degraded\n")
    t, _ = start(tmp_path, backend, tollgate, [("a", good), ("b", bad)],
                 ["option httpchk GET /status", "http-check expect string OK"])
    t.wait_log("Server lb/b is DOWN, reason: Layer7 invalid response, code: 200, "
               "info: \"HTTP content check did not match content 'OK'\"")
    stays_up(t, good, "a")
    assert good.last_request().startswith(b"GET /status HTTP/1.0\r\n")


def test_expect_string_until_close(tmp_path, backend, tollgate):
    """A body delimited by the close is read to its end."""
    good = HttpResponder(200, "OK", b"x" * 3000 + b"READY", close_delimited=True)
    bad = HttpResponder(200, "OK", b"x" * 3000, close_delimited=True)
    t, _ = start(tmp_path, backend, tollgate, [("a", good), ("b", bad)],
                 ["option httpchk", "http-check expect string READY"])
    t.wait_log("Server lb/b is DOWN, reason: Layer7 invalid response, code: 200")
    stays_up(t, good, "a")


def test_expect_negated_rstatus(tmp_path, backend, tollgate):
    missing = HttpResponder(404, "Not Found")
    broken = HttpResponder(503, "Service Unavailable")
    t, _ = start(tmp_path, backend, tollgate, [("a", missing), ("b", broken)],
                 ["option httpchk", "http-check expect ! rstatus ^5"])
    t.wait_log('Server lb/b is DOWN, reason: Layer7 wrong status, code: 503, info: "Service Unavailable"')
    stays_up(t, missing, "a")


def test_expect_rstring_and_negated_string(tmp_path, backend, tollgate):
    up = HttpResponder(200, "OK", b'{"status": "up"}')
    down = HttpResponder(200, "OK", b'{"status": "down"}')
    t, _ = start(tmp_path, backend, tollgate, [("a", up), ("b", down)],
                 ["option httpchk", 'http-check expect rstring "\\"status\\": *\\"(up|ok)\\""'])
    t.wait_log("Server lb/b is DOWN, reason: Layer7 invalid response, code: 200, "
               "info: \"HTTP content check did not match content (regex)")
    stays_up(t, up, "a")


def test_negated_string(tmp_path, backend, tollgate):
    fine = HttpResponder(200, "OK", b"serving")
    maint = HttpResponder(200, "OK", b"in maintenance")
    t, _ = start(tmp_path, backend, tollgate, [("a", fine), ("b", maint)],
                 ["option httpchk", "http-check expect !string maintenance"])
    t.wait_log("Server lb/b is DOWN, reason: Layer7 invalid response, code: 200, "
               "info: \"HTTP content check found unwanted content 'maintenance'\"")
    stays_up(t, fine, "a")


def test_http_check_send(tmp_path, backend, tollgate):
    """HAProxy 2.x form: the backend receives the method, URI, version and
    Host configured by `http-check send`."""
    web = HttpResponder(200, "OK")
    t, _ = start(tmp_path, backend, tollgate, [("a", web)],
                 ["option httpchk", "http-check send meth GET uri /health ver HTTP/1.1 hdr Host example"])
    wait_until(lambda: web.count() >= 2, 10, "two checks answered")
    req = web.last_request().decode()
    lines = req.split("\r\n")
    assert lines[0] == "GET /health HTTP/1.1", req
    assert "Host: example" in lines[1:], req
    stays_up(t, web, "a")


def test_legacy_option_with_host_in_version(tmp_path, backend, tollgate):
    """HAProxy 1.x form: header lines appended to the version."""
    web = HttpResponder(200, "OK")
    t, _ = start(tmp_path, backend, tollgate, [("a", web)],
                 ["option httpchk HEAD /ping HTTP/1.1\\r\\nHost:\\ legacy.example"])
    wait_until(lambda: web.count() >= 1, 10, "a check answered")
    req = web.last_request().decode()
    assert req.startswith("HEAD /ping HTTP/1.1\r\nHost: legacy.example\r\n"), req
    stays_up(t, web, "a")


def test_not_http_is_invalid_response(tmp_path, backend, tollgate):
    """An echo server answers the request itself: not a status line."""
    t, _ = start(tmp_path, backend, tollgate, [("a", "echo")], ["option httpchk"])
    t.wait_log("Server lb/a is DOWN, reason: Layer7 invalid response, info: \"invalid HTTP response")


def test_silent_server_is_layer7_timeout(tmp_path, backend, tollgate):
    release = threading.Event()

    def silent(c):
        release.wait(10)

    t, _ = start(tmp_path, backend, tollgate, [("a", silent)], ["option httpchk", "timeout check 200ms"])
    try:
        t.wait_log("Server lb/a is DOWN, reason: Layer7 timeout")
    finally:
        release.set()


def test_refused_is_layer4(tmp_path, tollgate, dead_port):
    sock = str(tmp_path / "admin.sock")
    dead = dead_port
    port = free_port()
    t = tollgate(cfg(sock, port, [("a", dead)], ["option httpchk"]), port=port)
    t.wait_log('Server lb/a is DOWN, reason: Layer4 connection problem, info: "ECONNREFUSED returned by OS (Connection refused)"')


def test_tcp_check_after_httpchk_wins(tmp_path, backend, tollgate):
    """`option tcp-check` after `option httpchk` (here from defaults): the
    tcp-check ruleset runs, not the HTTP request."""
    web = HttpResponder(500, "Internal Server Error")
    sock = str(tmp_path / "admin.sock")
    b = backend("a", web)
    port = free_port()
    text = cfg(sock, port, [("a", b.port)], ["option tcp-check", "tcp-check send PING\\r\\n\\r\\n"])
    text = text.replace("    timeout check 2s\n", "    timeout check 2s\n    option httpchk\n")
    t = tollgate(text, port=port)
    wait_until(lambda: web.count() >= 3, 10, "three checks answered")
    assert web.last_request() == b"PING\r\n\r\n"
    assert "lb/a is DOWN" not in t.output()


CONFIG_ERRORS = [
    ("http-check expect foo 200", "'http-check expect' : unknown match 'foo'"),
    ("http-check expect rstring (", "'http-check expect rstring' : invalid regular expression '('"),
    ("http-check expect rstatus [", "'http-check expect rstatus' : invalid regular expression '['"),
    ("http-check expect status 2xx", "'http-check expect status' : invalid status list '2xx'"),
    ("http-check send hdr X(Foo bar", "invalid header 'X(Foo: bar'"),
    ("option httpchk GET / HTTP/1.0 host extra", "'option httpchk' : unexpected word 'extra'"),
]


def test_config_errors(tmp_path):
    for line, msg in CONFIG_ERRORS:
        text = "defaults\n    mode tcp\nbackend be\n    option httpchk\n    %s\n    server a 127.0.0.1:1 check\n" % line
        rc, out, path = run_check(text, tmp_path)
        assert rc != 0, (line, out)
        assert "[%s:5]" % path in out, (line, out)
        assert msg in out, (line, out)


def test_config_ok_and_defaults(tmp_path):
    text = ("defaults\n    mode tcp\n    option httpchk GET /h\n    http-check expect status 200\n"
            "    http-check disable-on-404\n"
            "backend be\n    server a 127.0.0.1:1 check\n")
    rc, out, _ = run_check(text, tmp_path)
    assert rc == 0, out
    assert "'http-check disable-on-404' is not supported yet" in out, out


HDR_CASES = [
    # (expect line, passes): the server answers "X-State: ready, warm"
    ("http-check expect hdr name x-state value warm", True),          # one of the values
    ("http-check expect fhdr name x-state value warm", False),        # the whole value
    ("http-check expect fhdr name X-STATE value ready,\\ warm", True),  # names without case
    ("http-check expect hdr name -m beg x-st", True),
    ("http-check expect hdr name x-state value -m reg ^re.*y$", True),
    ("http-check expect hdr name x-state value WARM", False),         # values with case
    ("http-check expect ! hdr name x-maintenance", True),
    ("http-check expect ! hdr name -m end ate value -m sub ar", False),
]


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_expect_hdr_and_fhdr_like_haproxy(tmp_path, backend, tollgate, haproxy, which):
    """`http-check expect [!] hdr|fhdr name <n> [name-match m] [value <v>]
    [value-match m]`: the servers that fail are those HAProxy fails, with
    its reason (the status line's)."""
    resp = HttpResponder(fields="X-State: ready, warm\r\n")
    web = backend("A", resp)
    port = free_port()
    text = (BASE % str(tmp_path / "admin.sock")) + "    log stdout format raw local0\n"
    text += "listen lb\n    bind 127.0.0.1:%d\n" % port
    for i, (line, _) in enumerate(HDR_CASES):
        text += "backend b%d\n    option httpchk\n    %s\n" % (i, line)
        text += "    server s 127.0.0.1:%d check inter 50 fall 1 rise 1\n" % web.port
    start = tollgate if which == "tollgate" else haproxy
    t = start(text, port=port)
    for i, (line, passes) in enumerate(HDR_CASES):
        if not passes:
            t.wait_log('Server b%d/s is DOWN, reason: Layer7 wrong status, code: 200, info: "OK"' % i)
    wait_until(lambda: resp.count() >= 5 * len(HDR_CASES), 10, "five checks per backend")
    for i, (line, passes) in enumerate(HDR_CASES):
        assert ("Server b%d/s is DOWN" % i in t.output()) != passes, (line, t.output())


def test_expect_hdr_errors(tmp_path):
    for line, msg in [
        ("http-check expect hdr value x", "unexpected word 'value'"),
        ("http-check expect hdr name -m nope x", "unknown method 'nope'"),
        ("http-check expect fhdr name x value -m reg (", "invalid regular expression '('"),
        ("http-check expect hdr name x bogus 1", "unexpected word 'bogus'"),
        ("http-check expect hdr name", "'name' expects a non-empty pattern"),
    ]:
        rc, out, _ = run_check("backend be\n    option httpchk\n    %s\n" % line, tmp_path)
        assert rc != 0 and "t.cfg:3" in out and msg in out, (line, out)


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_connect_port_and_addr_like_haproxy(tmp_path, backend, tollgate, haproxy, which):
    """`http-check connect port <N>` / `addr <ip>[:<port>]`, first: the
    probe goes there instead of the server's address (a health port)."""
    resp = HttpResponder(200, "OK")
    web = backend("A", resp)
    dead = free_port()   # the servers' own port: nothing listens there
    port = free_port()
    text = (BASE % str(tmp_path / "admin.sock")) + "    log stdout format raw local0\n"
    text += "listen lb\n    bind 127.0.0.1:%d\n" % port
    for i, line in enumerate(["http-check connect port %d" % web.port,
                              "http-check connect addr 127.0.0.1:%d" % web.port,
                              "http-check connect addr 127.0.0.1 port %d linger" % web.port,
                              "http-check connect default"]):
        text += "backend b%d\n    option httpchk\n    %s\n" % (i, line)
        text += "    http-check send meth GET uri /b%d\n    http-check expect status 200\n" % i
        text += "    server s 127.0.0.1:%d check inter 50 fall 1 rise 1\n" % dead
    start = tollgate if which == "tollgate" else haproxy
    t = start(text, port=port)
    t.wait_log("Server b3/s is DOWN")   # `default`: the server's port
    wait_until(lambda: resp.count() >= 15, 10, "checks on the health port")
    paths = {r.split(b" ")[1] for r in resp.requests}
    assert paths == {b"/b0", b"/b1", b"/b2"}, paths
    for i in range(3):
        assert "Server b%d/s is DOWN" % i not in t.output(), t.output()


def test_connect_errors(tmp_path):
    for lines, msg in [
        (["http-check connect", "http-check connect port 81"], "a second 'connect' without a 'send' or 'expect'"),
        (["http-check send", "http-check connect", "http-check send", "http-check send"], "a second 'send' in a stage"),
        (["http-check connect port 0"], "'port' expects a port number"),
        (["http-check connect proto h2"], "'proto' is not supported yet"),
        (["http-check connect addr nope.invalid"], "'http-check connect' : 'addr'"),
    ]:
        text = "backend be\n    option httpchk\n" + "".join("    %s\n" % l for l in lines)
        rc, out, _ = run_check(text, tmp_path)
        assert rc != 0 and "t.cfg:%d" % (2 + len(lines)) in out and msg in out, (lines, out)


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_multi_step_like_haproxy(tmp_path, backend, tollgate, haproxy, which):
    """Several `http-check connect` / `send` / `expect` stages: each stage
    connects where its `connect` says, sends its own request (no field of
    an earlier `send` carried over) and judges its own answer (an implicit
    2xx/3xx expect when it has none); a failing later stage takes the
    server down with that stage's reason."""
    a, b, c = HttpResponder(200, "OK"), HttpResponder(204, "No Content"), HttpResponder(302, "Found")
    ports = [backend(tag, r).port for tag, r in (("A", a), ("B", b), ("C", c))]
    dead = free_port()
    port = free_port()
    text = (BASE % str(tmp_path / "admin.sock")) + "    log stdout format raw local0\n"
    text += "listen lb\n    bind 127.0.0.1:%d\n    option log-health-checks\n    option httpchk\n" % port
    for line in ["http-check connect port %d" % ports[0],
                 "http-check send meth GET uri /one ver HTTP/1.1 hdr x-test one",
                 "http-check expect status 200",
                 "http-check comment \"second stage\"",
                 "http-check connect addr 127.0.0.1:%d" % ports[1],
                 "http-check send meth POST uri /two body hello",
                 "http-check expect rstatus ^2",
                 "http-check connect addr 127.0.0.1 port %d" % ports[2],
                 "http-check send uri /three"]:
        text += "    %s\n" % line
    text += "    server s 127.0.0.1:%d check inter 50 fall 1 rise 1\n" % dead
    start = tollgate if which == "tollgate" else haproxy
    t = start(text, port=port)
    wait_until(lambda: c.count() >= 3, 10, "checks reaching the third stage")
    heads = [r.last_request().split(b"\r\n\r\n")[0].split(b"\r\n") for r in (a, b, c)]
    assert heads[0][0] == b"GET /one HTTP/1.1" and b"x-test: one" in heads[0], heads[0]
    assert heads[1][0] == b"POST /two HTTP/1.0" and b"x-test: one" not in heads[1], heads[1]
    assert b"content-length: 5" in [h.lower() for h in heads[1]], heads[1]
    assert heads[2][0] == b"OPTIONS /three HTTP/1.0", heads[2]
    assert "is DOWN" not in t.output(), t.output()
    b.set(500, "Internal Server Error")
    t.wait_log("Health check for server lb/s failed")
    line = [l for l in t.output().splitlines() if "Health check for server lb/s failed" in l][0]
    assert "Layer7 wrong status, code: 500" in line, line
    n, m = c.count(), a.count()
    wait_until(lambda: a.count() >= m + 3, 10, "more probes")
    assert c.count() <= n + 1          # the third stage is no longer reached
