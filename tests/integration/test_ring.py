"""`ring` sections, `log ring@<name>` and `show events`, side by side with
HAProxy 2.6 (which has them all): the same configuration logs into rings
whose `show events` dumps must agree (client ports aside), a ring's
`server` line forwards its messages to a TCP syslog server in the test,
`show events -w` waits for new messages, and a small ring keeps only the
newest whole messages."""
import re
import socket

import pytest

from conftest import Backend, admin_cli, exchange, free_port, run_check, start_both, wait_until
from syslogsink import TcpSink

CFG = """
global
    stats socket %(sock)s level admin
    log ring@rraw local0
ring rraw
    description "raw ring"
    size 32768
ring rshort
    format short
ring rprio
    format priority
    maxlen 40
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%(port)d
    log global
    log ring@rshort local0
    log ring@rprio local1 info
    default_backend be
backend be
    server s1 127.0.0.1:%(be)d
"""


def norm(text):
    """The answer with ports (which differ) replaced."""
    return re.sub(r"127\.0\.0\.1:\d+", "P", text)


def events(sock, ring):
    """`show events <ring>`, or "" while the admin socket is not up yet."""
    try:
        return admin_cli(sock, "show events " + ring)
    except OSError:
        return ""


@pytest.fixture
def echo():
    b = Backend("A")
    yield b
    b.stop()


def test_show_events_matches_haproxy(tollgate, haproxy, tmp_path, echo):
    both = start_both(tollgate, haproxy, tmp_path, CFG, be=echo.port)
    for name, (sock, port) in both.items():
        for _ in range(3):
            assert exchange(port) == b"A:hello"
        wait_until(lambda: events(sock, "rraw").count("Connect from") == 4, 5,
                   name + "'s four messages")
    answers = {}
    for name, (sock, _) in both.items():
        answers[name] = {cmd: norm(admin_cli(sock, cmd)) for cmd in (
            "show events", "show events rraw", "show events rshort", "show events rprio",
            "show events rraw -n", "show events nope", "show events rraw -x", "show events buf0")}
    for cmd, out in answers["haproxy"].items():
        assert answers["tollgate"][cmd] == out, cmd
    # what the answers are, not only that they agree
    t = answers["tollgate"]
    assert "    rraw       : type=buffer, 0 dropped, raw ring\n" in t["show events"]
    assert t["show events rraw"] == "Connect from P to P (fe/TCP)\n" * 4 + "\n"
    assert t["show events rshort"] == "<6>Connect from P to P (fe/TCP)\n" * 4 + "\n"
    # local1 (17 * 8 + 6) and maxlen 40, the header included
    assert t["show events rprio"] == "<142>Connect from P to 127\n" * 4 + "\n"
    assert t["show events rraw -n"] == "\n"


FWD = """
global
    stats socket %(sock)s level admin
ring fwd
    format %(fmt)s
    timeout connect 2s
    timeout server 5s
    server syslog 127.0.0.1:%(syslog)d %(proto)s
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%(port)d
    log ring@fwd local0
    default_backend be
backend be
    server s1 127.0.0.1:%(be)d
"""


@pytest.mark.parametrize("fmt,proto", [("raw", ""), ("short", "log-proto octet-count")])
def test_server_forwards_ring_to_tcp_syslog(tollgate, haproxy, tmp_path, echo, fmt, proto):
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        syslog = TcpSink().start()
        port = free_port()
        sock = str(tmp_path / (name + ".sock"))
        starter(FWD % dict(sock=sock, port=port, syslog=syslog.port, be=echo.port, fmt=fmt, proto=proto),
                port=port)
        assert exchange(port) == b"A:hello"
        if proto:
            wait_until(lambda: len(syslog.frames()) == 2, 10, name + "'s two frames: %r" % syslog.data)
            got[name] = [norm(f.decode()) for f in syslog.frames()]
        else:
            wait_until(lambda: syslog.data.count(b"\n") == 2, 10, name + "'s two lines: %r" % syslog.data)
            got[name] = norm(syslog.data.decode())
    assert got["tollgate"] == got["haproxy"]
    if proto:
        assert got["tollgate"] == ["<6>Connect from P to P (fe/TCP)"] * 2
    else:
        assert got["tollgate"] == "Connect from P to P (fe/TCP)\n" * 2


def test_server_reconnects_and_sends_what_waited(tollgate, tmp_path, echo):
    """Messages written while the syslog server is away wait in the ring
    and are sent once it accepts a connection."""
    syslog = TcpSink()               # nobody listens there yet
    port = free_port()
    sock = str(tmp_path / "t.sock")
    tollgate(FWD % dict(sock=sock, port=port, syslog=syslog.port, be=echo.port, fmt="raw", proto=""), port=port)
    exchange(port)
    wait_until(lambda: events(sock, "fwd").count("Connect") == 2, 5, "two messages in the ring")
    syslog.start()
    wait_until(lambda: syslog.data.count(b"\n") == 2, 10, "the two messages after reconnection")


def read_until(c, got, count):
    """Reads the CLI connection <c> until <got> holds <count> messages."""
    while got.count(b"Connect") < count:
        d = c.recv(65536)
        assert d, "the session ended after %r" % got
        got += d
    return got


def test_show_events_wait_prints_new_messages(tollgate, tmp_path, echo):
    port = free_port()
    sock = str(tmp_path / "t.sock")
    tollgate(CFG % dict(sock=sock, port=port, be=echo.port), port=port)
    wait_until(lambda: "Connect" in events(sock, "rraw"), 5, "the probe's message")
    with socket.socket(socket.AF_UNIX) as c:
        c.settimeout(5)
        c.connect(sock)
        c.sendall(b"show events rraw -w\n")
        got = read_until(c, b"", 1)          # the probe's message, then waits
        for n in (2, 3):
            exchange(port)
            got = read_until(c, got, n)
        # any input stops the dump; the one-shot session then ends
        c.sendall(b"x\n")
        while True:
            d = c.recv(65536)
            if not d:
                break
            got += d
    assert norm(got.decode()) == "Connect from P to P (fe/TCP)\n" * 3 + "\n"


def test_small_ring_keeps_newest_whole_messages(tollgate, tmp_path, echo):
    port = free_port()
    sock = str(tmp_path / "t.sock")
    tollgate("""
global
    stats socket %s level admin
ring small
    size 256
frontend fe
    bind 127.0.0.1:%d
    mode tcp
    timeout client 5s
    log ring@small local0
    default_backend be
backend be
    mode tcp
    timeout connect 5s
    timeout server 5s
    server s1 127.0.0.1:%d
""" % (sock, port, echo.port), port=port)
    ports = []
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", port)) as s:
            ports.append(s.getsockname()[1])
            s.sendall(b"x")
            s.shutdown(socket.SHUT_WR)
            while s.recv(100):
                pass
    last = "Connect from 127.0.0.1:%d " % ports[-1]
    wait_until(lambda: last in events(sock, "small"), 5, "the last message")
    lines = admin_cli(sock, "show events small").split("\n")[:-2]
    # whole messages only, the newest ones, in order, within 256 bytes
    assert 2 <= len(lines) < 20
    assert sum(len(l) + 4 for l in lines) <= 256
    want = ["Connect from 127.0.0.1:%d to 127.0.0.1:%d (fe/TCP)" % (p, port) for p in ports[-len(lines):]]
    assert lines == want


@pytest.mark.parametrize("cfg,msg", [
    ("ring r\n    backing-file /tmp/x\n", "'backing-file' is not supported"),
    ("ring r\n    format json\n", "unknown format 'json'"),
    ("ring r\n    size 10\n", "invalid size '10'"),
    ("ring r\nring r\n", "sink named 'r' already exists"),
    ("ring buf0\n", "sink named 'buf0' already exists"),
    ("ring r\n    server s 127.0.0.1:514 ssl\n", "'ssl' is not supported on a ring's server"),
    ("ring r\n    server s udp@127.0.0.1:514\n", "a ring forwards to a TCP address only"),
    ("ring r\n    timeout client 1s\n", "'timeout' expects 'connect <time>' or 'server <time>'"),
    ("frontend f\n    bind 127.0.0.1:8\n    log ring@nope local0\n", "log target 'ring@nope': no such ring"),
])
def test_config_errors(tmp_path, cfg, msg):
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0 and msg in out, out


def test_maxlen_beyond_size_is_clamped_with_a_warning(tmp_path):
    rc, out, _ = run_check("ring r\n    size 1024\n    maxlen 4096\n", tmp_path)
    assert rc == 0 and "ring 'r' event max length '4096' exceeds max payload size, forced to '1020'" in out, out


LOGFWD = """
global
    stats socket %(sock)s level admin
ring r5
    format rfc5424
ring rt
    format timed
ring ri
    format iso
ring rs
    format short
ring rraw
log-forward in
    bind 127.0.0.1:%(port)d
    dgram-bind 127.0.0.1:%(dport)d
    log ring@r5 local0
    log ring@rt local0
    log ring@ri local0
    log ring@rs local0
    log ring@rraw local0
"""


def test_log_forward_into_rings_matches_haproxy(tollgate, haproxy, tmp_path):
    """Relayed messages keep their own time and fields in every ring
    format, as HAProxy writes them."""
    rings = ("r5", "rt", "ri", "rs", "rraw")
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port, dport = free_port(), free_port()
        sock = str(tmp_path / (name + ".sock"))
        starter(LOGFWD % dict(sock=sock, port=port, dport=dport), port=port)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.sendto(b"<13>1 2026-01-02T03:04:05.000006+01:00 host app 12 - - hello world", ("127.0.0.1", dport))
        wait_until(lambda: "hello" in events(sock, "rraw"), 5, name + "'s relayed message")
        got[name] = {r: admin_cli(sock, "show events " + r) for r in rings}
    assert got["tollgate"] == got["haproxy"]
    assert got["tollgate"]["rt"] == "<5>2026-01-02T03:04:05.000006+01:00 hello world\n\n"
