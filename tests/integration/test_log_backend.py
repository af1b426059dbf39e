"""Log backends (`mode log`, HAProxy 2.9+; Debian's 2.6 has none, so no
side-by-side run): `log backend@<name>` targets spread messages over the
backend's UDP and TCP syslog servers with `balance roundrobin`, `random`,
`log-hash` and `sticky`, skipping servers disabled on the admin socket and
falling back to backups."""
import re
import socket

import pytest

from conftest import admin_cli, admin_ready, exchange, free_port, run_check, wait_port, wait_until
from syslogsink import TcpSink


class Sink:
    """A UDP syslog server on an ephemeral port."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.s.settimeout(0.05)
        self.port = self.s.getsockname()[1]
        self.got = []

    def poll(self):
        try:
            while True:
                self.got.append(self.s.recv(70000))
        except socket.timeout:
            pass
        return self.got


CFG = """
global
    stats socket %(sock)s level admin
log-forward in
    dgram-bind 127.0.0.1:%(inp)d
    log backend@%(be)s local0
%(backend)s
"""


class Relay:
    """tollgate relaying what is sent to its log-forward to backend@be."""

    def __init__(self, tollgate, tmp_path, backend, be="be"):
        self.sock = str(tmp_path / "t.sock")
        self.inp = free_port()
        self.t = tollgate(CFG % dict(sock=self.sock, inp=self.inp, be=be, backend=backend))
        wait_until(lambda: admin_ready(self.sock), 10, "admin socket")
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(self, text):
        self.tx.sendto(b"<134>Dec  7 18:00:00 h app[1]: " + text.encode(), ("127.0.0.1", self.inp))

    def cli(self, cmd):
        return admin_cli(self.sock, cmd)


def line(text):
    return b"<134>Dec  7 18:00:00 h app[1]: " + text.encode() + b"\n"


def test_roundrobin_alternates(tollgate, tmp_path):
    a, b = Sink(), Sink()
    r = Relay(tollgate, tmp_path, """
backend be
    mode log
    balance roundrobin
    server a udp@127.0.0.1:%d
    server b udp@127.0.0.1:%d
""" % (a.port, b.port))
    for i in range(6):
        r.send("m%d" % i)
        wait_until(lambda: len(a.poll()) + len(b.poll()) == i + 1, 5, "message %d" % i)
    # alternate: each received every other message, in order
    assert len(a.got) == len(b.got) == 3
    assert a.got[0] in (line("m0"), line("m1"))
    assert sorted(a.got + b.got) == sorted(line("m%d" % i) for i in range(6))
    assert "not supported yet" in r.cli("add server be/c 127.0.0.1:514")


def test_log_hash_sends_a_key_to_one_server(tollgate, tmp_path):
    a, b = Sink(), Sink()
    r = Relay(tollgate, tmp_path, """
backend be
    mode log
    balance log-hash 'field(2,/),field(1, )'
    hash-type map-based none
    server a udp@127.0.0.1:%d
    server b udp@127.0.0.1:%d
""" % (a.port, b.port))
    for i in range(8):
        r.send("GET /%d x" % (i % 2))
    wait_until(lambda: len(a.poll()) + len(b.poll()) == 8, 5, "8 messages")
    assert a.got == [line("GET /0 x")] * 4
    assert b.got == [line("GET /1 x")] * 4


def test_sticky_failover_and_backup(tollgate, tmp_path):
    s = [Sink() for _ in range(4)]
    r = Relay(tollgate, tmp_path, """
backend be
    mode log
    balance sticky
    server s1 udp@127.0.0.1:%d
    server s2 udp@127.0.0.1:%d
    server s3 udp@127.0.0.1:%d
    server s4 udp@127.0.0.1:%d backup
""" % tuple(x.port for x in s))

    def to(idx, text):
        r.send(text)
        wait_until(lambda: sum(len(x.poll()) for x in s) and s[idx].got[-1:] == [line(text)], 5,
                   "%s at s%d" % (text, idx + 1))

    to(0, "one")
    r.cli("disable server be/s1")
    to(1, "two")
    r.cli("disable server be/s2")
    r.cli("enable server be/s1")
    # s1 came back at the end of the list: s3 is the sticky one now
    to(2, "three")
    r.cli("disable server be/s1")
    r.cli("disable server be/s3")
    to(3, "backup")
    r.cli("enable server be/s3")
    r.cli("enable server be/s2")
    to(2, "three again")
    assert [len(x.got) for x in s] == [1, 1, 2, 1]


def test_tcp_server_framing_and_reconnect(tollgate, tmp_path):
    lf = TcpSink()
    r = Relay(tollgate, tmp_path, """
backend be
    mode log
    server lf tcp@127.0.0.1:%d
""" % lf.port)
    # the line server is not up yet: messages wait in the queue
    r.send("early")
    lf.start()
    wait_until(lambda: lf.data == line("early"), 10, "the queued message after reconnection")
    r.send("later")
    wait_until(lambda: lf.data == line("early") + line("later"), 5, "one line per message")


def test_proxy_logs_to_log_backend_octet_count(tollgate, tmp_path, backend):
    oc = TcpSink().start()
    srv = backend()
    port = free_port()
    sock = str(tmp_path / "p.sock")
    tollgate("""
global
    stats socket %s level admin
frontend fe
    bind 127.0.0.1:%d
    mode tcp
    timeout client 5s
    log backend@oc local0 info
    option tcplog
    default_backend app
backend app
    mode tcp
    timeout connect 1s
    timeout server 5s
    server app 127.0.0.1:%d
backend oc
    mode log
    server oc tcp@127.0.0.1:%d log-proto octet-count
""" % (sock, port, srv.port, oc.port), port=port)
    exchange(port, b"hello")

    # wait_port's probe and the exchange: two connections, two messages
    wait_until(lambda: len(oc.frames()) == 2, 5, "two octet-counted messages: %r" % oc.data)
    for f in oc.frames():
        assert re.match(rb"<134>\w{3} [ \d]\d [\d:]{8} tollgate\[\d+\]: 127\.0\.0\.1:\d+ \[.*\] fe app/app ", f)
        assert not f.endswith(b"\n")


@pytest.mark.parametrize("cfg,msg", [
    ("frontend f\n    bind 127.0.0.1:8\n    log backend@nope local0\n",
     "log target 'backend@nope': no such backend"),
    ("frontend f\n    bind 127.0.0.1:8\n    log backend@b local0\nbackend b\n    server s 127.0.0.1:1\n",
     "log target 'backend@b': this backend is not in 'mode log'"),
    ("backend b\n    mode log\n    balance leastconn\n    server s udp@127.0.0.1:514\n",
     "\"balance\" only supports 'roundrobin', 'random', 'sticky' and 'log-hash'"),
    ("frontend f\n    mode log\n", "'mode log' is only applicable to backends"),
    ("frontend f\n    bind 127.0.0.1:8\n    default_backend b\nbackend b\n    mode log\n",
     "default_backend 'b' is a log backend"),
    ("backend b\n    mode log\n    server s udp@localhost:514\n", "needs a numeric IP address"),
    ("backend b\n    mode log\n    server s udp@127.0.0.1:514 log-proto xx\n",
     "'log-proto' expects one of 'legacy' or 'octet-count'"),
])
def test_config_errors(tmp_path, cfg, msg):
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0 and msg in out, out


def test_log_hash_outside_mode_log_falls_back(tmp_path):
    rc, out, _ = run_check("backend b\n    balance sticky\n    server s 127.0.0.1:1\n", tmp_path)
    assert rc == 0 and "needs 'mode log'). Falling back to round robin" in out


def test_udp_server_back_after_being_away(tollgate, tmp_path):
    port = free_port()   # nobody listens there (UDP) until the test binds it
    seen, sock, inp = Sink(), str(tmp_path / "a.sock"), free_port()
    # the direct target after the backend tells when a message went out
    tollgate("""
global
    stats socket %s level admin
log-forward in
    dgram-bind 127.0.0.1:%d
    log backend@be local0
    log 127.0.0.1:%d local0
backend be
    mode log
    server a udp@127.0.0.1:%d
""" % (sock, inp, seen.port, port))
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # nobody there: the datagram is lost (the kernel answers ICMP unreachable)
    tx.sendto(b"<134>Dec  7 18:00:00 h app[1]: lost", ("127.0.0.1", inp))
    wait_until(lambda: seen.poll(), 5, "the first message relayed")
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.bind(("127.0.0.1", port))
    back.settimeout(5)
    # the first message after its return reaches it
    tx.sendto(b"<134>Dec  7 18:00:00 h app[1]: back", ("127.0.0.1", inp))
    assert back.recv(70000) == line("back")
