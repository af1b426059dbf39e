"""Traffic logs: log targets (stdout, UDP syslog), formats, option tcplog
in HAProxy's format, dontlognull, server state changes."""
import re
import socket

def udp_sink(timeout):
    """A UDP socket on an ephemeral port of 127.0.0.1, to receive syslog."""
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(timeout)
    return rx


import pytest

from conftest import exchange, free_port, wait_until

TCPLOG = re.compile(
    r"127\.0\.0\.1:(\d+) \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe be/a "
    r"(-?\d+)/(-?\d+)/(\d+) (\d+) (..) (\d+)/(\d+)/(\d+)/(\d+)/(\d+) (\d+)/(\d+)")


def cfg(port, bport, logline, extra=""):
    return """
global
    nbthread 1
    %s
defaults
    mode tcp
    log global
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:%d
    %s
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (logline, port, extra, bport)


def test_tcplog_to_stdout(backend, tollgate):
    b = backend("A")
    port = free_port()
    t = tollgate(cfg(port, b.port, "log stdout format raw local0", "option tcplog"), port=port)
    with socket.create_connection(("127.0.0.1", port)) as s:
        cport = s.getsockname()[1]
        s.sendall(b"12345")
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            d = s.recv(100)
            if not d:
                break
            data += d
    assert data == b"A:12345"
    wait_until(lambda: "127.0.0.1:%d [" % cport in t.output(), 5, "the log line")
    line = [l for l in t.output().splitlines() if "127.0.0.1:%d [" % cport in l][0]
    m = TCPLOG.search(line)
    assert m, line
    assert int(m.group(1)) == cport
    assert int(m.group(5)) == len(b"A:12345")     # bytes to the client
    assert m.group(6) == "--"                    # normal termination


def test_connect_line_without_tcplog(backend, tollgate):
    b = backend("A")
    port = free_port()
    t = tollgate(cfg(port, b.port, "log stdout format raw daemon"))
    t.wait_log("started")
    exchange(port)
    t.wait_log("Connect from 127.0.0.1:")
    assert "to 127.0.0.1:%d (fe/TCP)" % port in t.output()


def test_connect_line_names_http_mode(backend, tollgate):
    """As HAProxy: `(fe/HTTP)` for a frontend in mode http."""
    b = backend("A")
    port = free_port()
    t = tollgate(cfg(port, b.port, "log stdout format raw daemon", "mode http"))
    t.wait_log("started")
    exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    t.wait_log("Connect from 127.0.0.1:")
    assert "to 127.0.0.1:%d (fe/HTTP)" % port in t.output()


@pytest.mark.parametrize("fmt,prefix", [("rfc3164", "<134>"), ("rfc5424", "<134>1 ")])
def test_udp_syslog_target(backend, tollgate, fmt, prefix):
    b = backend("A")
    port = free_port()
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(5)
    t = tollgate(cfg(port, b.port, "log 127.0.0.1:%d format %s local0 info" % (sink.getsockname()[1], fmt),
                     "option tcplog"), port=port)
    # the readiness probe itself is logged: read until our line
    exchange(port, b"xyz")
    lines = []
    while not any("fe be/a" in l and " 5 --" in l for l in lines):
        lines.append(sink.recv(2048).decode())
    line = [l for l in lines if " 5 --" in l][0]
    assert line.startswith(prefix), line
    assert "tollgate" in line and TCPLOG.search(line), line
    sink.close()


def quiet_echo(c):
    """Says nothing unless spoken to: answers what it read, after EOF."""
    data = b""
    while True:
        d = c.recv(4096)
        if not d:
            break
        data += d
    if data:
        c.sendall(data)
    c.close()


def test_dontlognull(backend, tollgate):
    b = backend("A", quiet_echo)
    port = free_port()
    t = tollgate(cfg(port, b.port, "log stdout format raw local0", "option tcplog\n    option dontlognull"))
    t.wait_log("started")
    # a connection that moves no byte is not logged...
    socket.create_connection(("127.0.0.1", port)).close()
    # ...one that does is
    exchange(port, b"data")
    wait_until(lambda: TCPLOG.search(t.output()), 5, "a log line")
    assert len([l for l in t.output().splitlines() if TCPLOG.search(l)]) == 1, t.output()
    assert " 4 --" in t.output()       # the logged one moved 4 bytes back


def test_server_state_change_reaches_log_target(backend, tollgate):
    b = backend("A")
    port = free_port()
    t = tollgate("""
global
    log stdout format raw local0
defaults
    mode tcp
    log global
    timeout connect 1s
    timeout client 5s
    timeout server 5s
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d check inter 100 fall 1
""" % (port, b.port), port=port)
    b.stop()
    wait_until(lambda: t.output().count("Server lb/a is DOWN") >= 2, 10,
               "the DOWN message on stderr and on the log target")


def test_bad_log_lines(tmp_path):
    from conftest import run_check
    for line, text in [
        ("log 127.0.0.1:514", "expects <target>"),
        ("log stdout format raw", "missing facility"),
        ("log 127.0.0.1:514 local9", "unknown facility 'local9'"),
        ("log stdout format json local0", "unknown format 'json'"),
        ("log 127.0.0.1:514 local0 loud", "unknown level 'loud'"),
        ("log 127.0.0.1:514 sample 1,3 local0", "missing sample size"),
        ("log 127.0.0.1:514 sample 0:5 local0", "invalid range"),
        ("log 127.0.0.1:514 sample 1-3,2:5 local0", "overlaps"),
        ("log 127.0.0.1:514 sample 1,7:5 local0", "sample size 5 should be greater or equal to 7"),
        ("log 127.0.0.1:514 sample 1:x local0", "wrong sample size 'x'"),
        ("log backend@mylogs local0", "log target 'backend@mylogs': no such backend"),
        ("log ring@myring local0", "log target 'ring@myring': no such ring"),
    ]:
        rc, out, _ = run_check("global\n    %s\n" % line, tmp_path, name="log.cfg")
        assert rc != 0 and "log.cfg:2" in out and text in out, (line, out)


@pytest.mark.parametrize("option,pri", [("", b"<134>"), ("option log-separate-errors", b"<131>")])
def test_error_severity_as_haproxy(tollgate, haproxy, option, pri):
    """A stream ending in error (server refusing) logs at 'info' (local0:
    <134>), at 'err' (<131>) only with option log-separate-errors; the same
    from HAProxy 2.6."""
    got = []
    for start in (tollgate, haproxy):
        rx = udp_sink(5)
        port = free_port()
        start(cfg(port, free_port(), "log 127.0.0.1:%d local0" % rx.getsockname()[1],
                  "option tcplog\n    " + option), port=port)
        while True:   # the readiness probe's own line first, if any
            with socket.create_connection(("127.0.0.1", port)) as s:
                try:   # the proxy may close first: its server refused
                    s.sendall(b"x")
                    s.shutdown(socket.SHUT_WR)
                    s.recv(10)
                except OSError:
                    pass
            line = rx.recv(2048)
            if b" SC " in line:
                break
        rx.close()
        got.append(line[:5])
    assert got == [pri, pri]


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_server_down_logged_at_alert_and_minlevel_caps_emerg(tollgate, haproxy, which):
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(5)
    port = free_port()
    start = tollgate if which == "tollgate" else haproxy
    start("""
global
    nbthread 1
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    log 127.0.0.1:%d local0 debug alert
    server s 127.0.0.1:%d check inter 100ms fall 1
""" % (port, sink.getsockname()[1], free_port()), port=port)
    got = []
    while len(got) < 2:
        got.append(sink.recv(2048).decode())
    sink.close()
    # LOG_ALERT for the server, LOG_EMERG capped to alert for the backend
    assert got[0].startswith("<129>") and "Server be/s is DOWN" in got[0], got
    assert got[1].startswith("<129>") and "has no server available!" in got[1], got


SAMPLE_CFG = """
global
    nbthread 1
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:%d
    option dontlognull
    log-format "%%HP"
    log 127.0.0.1:%d sample %s local0
    http-request return status 200
"""


@pytest.mark.parametrize("sample", ["1,3:5", "2-3,5:6", "1:1"])
def test_log_sample_matches_haproxy(tollgate, haproxy, sample):
    """`log ... sample <ranges>:<size>`: of each <size> lines in a row, only
    those numbered in <ranges> go to the target; the same as HAProxy 2.6."""
    from httpbackend import get
    got = []
    for start in (tollgate, haproxy):
        rx = udp_sink(0.5)
        port = free_port()
        start(SAMPLE_CFG % (port, rx.getsockname()[1], sample), port=port)
        for i in range(1, 13):
            assert get(port, "/r%d" % i)[0] == 200
        seen = []
        try:
            while True:
                seen.append(rx.recv(2048).decode().rstrip("\n").rsplit(" ", 1)[-1])
        except socket.timeout:
            pass
        rx.close()
        got.append(seen)
    assert got[0] == got[1]
    if sample == "1,3:5":
        assert got[0] == ["/r1", "/r3", "/r6", "/r8", "/r11"]


LEN_CFG = """
global
    nbthread 1
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:%d
    log-format "%%HP"
    log 127.0.0.1:%d len %d format %s local0
    http-request return status 200
"""


@pytest.mark.parametrize("fmt", ["raw", "rfc3164"])
def test_log_len_cuts_lines_as_haproxy(tollgate, haproxy, fmt):
    """`log ... len <n>`: no line sent to the target is longer than <n>
    bytes, its header included; a short line is untouched. HAProxy 2.6
    sends the same bytes after the header."""
    from httpbackend import get
    got = []
    for start in (tollgate, haproxy):
        rx = udp_sink(0.5)
        port = free_port()
        start(LEN_CFG % (port, rx.getsockname()[1], 100, fmt), port=port)
        assert get(port, "/" + "x" * 300)[0] == 200
        assert get(port, "/short")[0] == 200
        lines = []
        try:
            while True:
                lines.append(rx.recv(4096).rstrip(b"\n"))
        except socket.timeout:
            pass
        rx.close()
        long_line = [l for l in lines if b"/xx" in l][0]
        assert len(long_line) <= 100 and len(long_line) > 60
        assert [l for l in lines if l.endswith(b"/short")]
        got.append(long_line.split(b"/", 1)[1] if fmt == "raw" else len(long_line))
    if fmt == "raw":
        assert got[0] == got[1]


def test_log_len_out_of_range_is_refused(tmp_path):
    """`len` below 80 (no room for a header) is an error naming the line."""
    from conftest import run_check
    rc, out, _ = run_check(LEN_CFG % (free_port(), 514, 20, "raw"), tmp_path)
    assert rc != 0
    assert "invalid log length '20'" in out and ":12" in out
