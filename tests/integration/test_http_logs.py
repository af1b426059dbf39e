"""mode http traffic logs on stdout: `option httplog` in HAProxy's format
(checked field by field with a regex of HAProxy's default httplog line),
termination states of denied and failed requests, custom `log-format`,
`option dontlognull`, `option httplog clf`."""
import re
import socket
import time

from conftest import free_port, wait_until
from httpbackend import build, connect, read_response, request

# HAProxy's default httplog line:
# %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r
HTTPLOG = re.compile(
    r'^(?P<ci>127\.0\.0\.1):(?P<cp>\d+) \[(?P<date>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3})\] '
    r'(?P<ft>\S+) (?P<b>\S+)/(?P<s>\S+) '
    r'(?P<TR>-?\d+)/(?P<Tw>-?\d+)/(?P<Tc>-?\d+)/(?P<Tr>-?\d+)/(?P<Ta>\d+) '
    r'(?P<ST>-?\d+) (?P<B>\d+) (?P<CC>\S+) (?P<CS>\S+) (?P<tsc>\S{4}) '
    r'(?P<ac>\d+)/(?P<fc>\d+)/(?P<bc>\d+)/(?P<sc>\d+)/(?P<rc>\d+) (?P<sq>\d+)/(?P<bq>\d+) '
    r'"(?P<r>[^"]*)"$')

CLF = re.compile(
    r'^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "(?P<r>[^"]*)" '
    r'(?P<ST>\d+) (?P<B>\d+) "" "" (?P<cp>\d+) (?P<ms>\d{3}) "(?P<ft>[^"]*)" "(?P<b>[^"]*)" "(?P<s>[^"]*)" '
    r'(?P<TR>-?\d+) (?P<Tw>-?\d+) (?P<Tc>-?\d+) (?P<Tr>-?\d+) (?P<Ta>\d+) (?P<tsc>\S{4}) '
    r'(?P<ac>\d+) (?P<fc>\d+) (?P<bc>\d+) (?P<sc>\d+) (?P<rc>\d+) (?P<sq>\d+) (?P<bq>\d+)')




def cfg(port, body, glob=""):
    return """
global
    nbthread 1
    log stdout format raw local0
%s
defaults
    mode http
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d
%s
""" % (glob, port, body)


def exchange_raw(port, raw):
    """Sends <raw> on a new connection; returns (client port, status of the
    first response)."""
    with connect(port) as s:
        cport = s.getsockname()[1]
        s.sendall(raw)
        return cport, read_response(s)[0]


def raw_bytes(port, raw):
    """Sends <raw> on a new connection and returns (client port, all bytes
    received until the proxy closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        cport = s.getsockname()[1]
        s.sendall(raw)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                return cport, out
            out += d


def line_of(t, cport):
    """Waits for the log line of client port <cport>; returns it."""
    needle = "127.0.0.1:%d " % cport

    def find():
        return [l for l in t.output().splitlines() if l.startswith(needle)]

    wait_until(lambda: find(), 5, "log line of %s in:\n%s" % (needle, t.output()))
    lines = find()
    assert len(lines) == 1, lines
    return lines[0]


def test_httplog_line_matches_haproxy_format(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    t = tollgate(cfg(port, """
    option httplog
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % b.port), port=port)
    t0 = time.monotonic()
    cport, out = raw_bytes(port, b"GET /path/x?q=1&r=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    elapsed_ms = (time.monotonic() - t0) * 1000
    assert out.startswith(b"HTTP/1.1 200 ") and out.endswith(b"A GET /path/x?q=1&r=2\n")
    line = line_of(t, cport)
    m = HTTPLOG.match(line)
    assert m, line
    g = m.groupdict()
    assert (g["ft"], g["b"], g["s"]) == ("fe", "be", "a")
    TR, Tw, Tc, Tr, Ta = (int(g[k]) for k in ("TR", "Tw", "Tc", "Tr", "Ta"))
    assert TR >= 0 and Tw >= 0 and Tc >= 0 and Tr >= 0
    assert Ta >= Tr and Ta >= Tc and Ta <= elapsed_ms + 100, (line, elapsed_ms)
    assert g["ST"] == "200"
    assert int(g["B"]) == len(out)                # every byte sent to the client
    assert (g["CC"], g["CS"], g["tsc"]) == ("-", "-", "----")
    assert g["rc"] == "0" and int(g["fc"]) >= 1 and int(g["sc"]) >= 1
    assert (g["sq"], g["bq"]) == ("0", "0")
    assert g["r"] == "GET /path/x?q=1&r=2 HTTP/1.1"
    # the date is the request's, today, in local time
    assert time.strftime("%Y", time.localtime()) in g["date"]


def test_keepalive_logs_one_line_per_request(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    t = tollgate(cfg(port, """
    option httplog
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % b.port), port=port)
    with connect(port) as s:
        cport = s.getsockname()[1]
        for i in range(3):
            s.sendall(build("/ka%d" % i))
            assert read_response(s)[0] == 200
    needle = "127.0.0.1:%d " % cport
    wait_until(lambda: len([l for l in t.output().splitlines() if l.startswith(needle)]) == 3, 5,
               "three lines in:\n" + t.output())
    lines = [l for l in t.output().splitlines() if l.startswith(needle)]
    assert [HTTPLOG.match(l).group("r") for l in lines] == ["GET /ka%d HTTP/1.1" % i for i in range(3)]


def test_denied_request_logs_429_and_PR(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    t = tollgate(cfg(port, """
    option httplog
    stick-table type ip size 1m expire 60s store http_req_rate(10s)
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 2 }
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % b.port), port=port)
    for _ in range(2):
        assert exchange_raw(port, build("/ok"))[1] == 200
    cport, out = raw_bytes(port, build("/limited"))
    assert out.startswith(b"HTTP/1.1 429 ")
    m = HTTPLOG.match(line_of(t, cport))
    assert m, line_of(t, cport)
    g = m.groupdict()
    assert g["ST"] == "429" and g["tsc"] == "PR--"
    # no backend was chosen, no server reached
    assert (g["b"], g["s"]) == ("fe", "<NOSRV>")
    assert (g["Tw"], g["Tc"], g["Tr"]) == ("-1", "-1", "-1")
    assert int(g["B"]) == len(out)
    assert g["r"] == "GET /limited HTTP/1.1"
    assert b.count() == 2


def test_unreachable_server_logs_503_and_SC(tollgate, dead_port):
    port, dead = free_port(), dead_port
    t = tollgate(cfg(port, """
    option httplog
    default_backend be
backend be
    retries 1
    server a 127.0.0.1:%d
""" % dead), port=port)
    cport, out = raw_bytes(port, build("/gone"))
    assert out.startswith(b"HTTP/1.1 503 ")
    line = line_of(t, cport)
    m = HTTPLOG.match(line)
    assert m, line
    g = m.groupdict()
    assert g["ST"] == "503" and g["tsc"][:2] == "SC", line
    assert (g["b"], g["s"]) == ("be", "a")
    assert g["Tc"] == "-1" and g["Tr"] == "-1"
    assert g["rc"] == "1"
    assert int(g["B"]) == len(out)


def test_custom_log_format_with_header_sample(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    t = tollgate(cfg(port, """
    log-format "%%ci %%ST %%[req.hdr(host)] %%{+Q}r"
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % b.port), port=port)
    with connect(port) as s:
        s.sendall(build("/c?x=1", host="www.example"))
        assert read_response(s)[0] == 200
        s.sendall(build("/nohost", host=None, version="HTTP/1.0"))
        assert read_response(s)[0] == 200
    want = ['127.0.0.1 200 www.example "GET /c?x=1 HTTP/1.1"', '127.0.0.1 200 - "GET /nohost HTTP/1.0"']
    wait_until(lambda: all(w in t.output().splitlines() for w in want), 5, "%r in:\n%s" % (want, t.output()))


def test_custom_log_format_variables(http_backend, tollgate):
    b = http_backend("A", lambda req: (201, [], b"created"))
    port = free_port()
    t = tollgate(cfg(port, """
    log-format "[%%ci:%%cp] %%ft %%b/%%s %%ST %%B %%{+Q}r %%HM %%HP %%HQ %%HV %%tsc"
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % b.port), port=port)
    cport, out = raw_bytes(port, b"POST /up/load?k=v HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                                 b"Connection: close\r\n\r\nabc")
    assert out.startswith(b"HTTP/1.1 201 ")
    want = '[127.0.0.1:%d] fe be/a 201 %d "POST /up/load?k=v HTTP/1.1" POST /up/load ?k=v HTTP/1.1 ----' % (
        cport, len(out))
    wait_until(lambda: want in t.output().splitlines(), 5, "%r in:\n%s" % (want, t.output()))


def test_dontlognull(http_backend, tollgate):
    """An empty connection (closed by the request timeout, 408) is logged
    without dontlognull, not with it; real requests are always logged."""
    b = http_backend("A")
    p1, p2 = free_port(), free_port()
    t = tollgate(cfg(p1, """
    option httplog
    timeout http-request 300ms
    default_backend be
frontend quiet
    bind 127.0.0.1:%d
    option httplog
    option dontlognull
    timeout http-request 300ms
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (p2, b.port)), port=p1)
    wait_until(lambda: _answers(p2), 5, "port %d" % p2)
    empties = {}
    for p in (p1, p2):
        # an empty connection: the proxy answers 408 after the timeout
        cport, out = raw_bytes(p, b"")
        assert out.startswith(b"HTTP/1.1 408 "), out
        empties[p] = cport
        # then a real request on the same frontend
        cport2, out = raw_bytes(p, b"GET /real HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 200 ")
        line_of(t, cport2)
    # without dontlognull: "<BADREQ>" 408 with a client-side timeout
    g = HTTPLOG.match(line_of(t, empties[p1])).groupdict()
    assert (g["ST"], g["tsc"], g["r"], g["s"]) == ("408", "cR--", "<BADREQ>", "<NOSRV>")
    # with it: nothing (one thread: the empty connection's line, if any,
    # would have been written before the real request's)
    assert "127.0.0.1:%d " % empties[p2] not in t.output()


def _answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_httplog_clf(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    t = tollgate(cfg(port, """
    option httplog clf
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % b.port), port=port)
    cport, out = raw_bytes(port, b"GET /clf?z=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200 ")

    def find():
        return [l for l in t.output().splitlines() if ' "" "" %d ' % cport in l]

    wait_until(lambda: find(), 5, "the clf line in:\n" + t.output())
    line = find()[0]
    m = CLF.match(line)
    assert m, line
    g = m.groupdict()
    assert g["r"] == "GET /clf?z=1 HTTP/1.1" and g["ST"] == "200" and int(g["B"]) == len(out)
    assert (g["ft"], g["b"], g["s"], g["tsc"]) == ("fe", "be", "a", "----")
    assert int(g["cp"]) == cport and g["rc"] == "0"


def test_captures_in_httplog_and_monitor_uri(http_backend, tollgate):
    b = http_backend("A", lambda req: (200, [("Content-Type", "text/plain; charset=utf-8"),
                                             ("Set-Cookie", "SID=xyz789; path=/")], b"hi"))
    port = free_port()
    t = tollgate(cfg(port, """
    option httplog
    capture request header Host len 20
    capture request header X-Missing len 10
    capture response header Content-Type len 10
    capture cookie SID len 32
    monitor-uri /mon
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % b.port), port=port)
    cport, out = raw_bytes(port, b"GET /c HTTP/1.1\r\nHost: www.example.com\r\nCookie: a=1; SID=abc123\r\n"
                                 b"Connection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200 ")
    line = line_of(t, cport)
    # %CC %CS: the cookie as the client sent it and as the server set it;
    # %hr %hs: the captured headers, cut to their length, in braces
    assert " SID=abc123 SID=xyz789 ---- " in line, line
    assert line.endswith('{www.example.com|} {text/plain} "GET /c HTTP/1.1"'), line
    # monitor-uri: answered 200 by the proxy, the server never sees it
    st, _, _, body = request(port, b"GET /mon HTTP/1.1\r\nHost: x\r\n\r\n")
    assert st == 200 and b"200 OK" in body
    assert [r.path for r in b.requests] == ["/c"]
