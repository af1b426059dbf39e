"""log-forward sections: syslog received over UDP (dgram-bind) and TCP
(bind, octet counting or one message per line) is relayed to `log`
targets with its own header, byte for byte as HAProxy 2.6 relays it;
malformed or oversized input is dropped and counted, never fatal."""
import re
import socket

import pytest

from conftest import admin_cli, admin_ready, free_port, wait_port, wait_until


def udp_sink():
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(0.2)
    return rx


CFG = """
global
    stats socket %(sock)s level admin
log-forward relay
    dgram-bind 127.0.0.1:%(udp)d
    bind 127.0.0.1:%(tcp)d
    maxconn 4
    timeout client 5s
    log 127.0.0.1:%(sink)d local0
    log 127.0.0.1:%(sink)d format rfc5424 local1
    log 127.0.0.1:%(sink)d format rfc3164 local2
    log 127.0.0.1:%(sink)d format raw local3
"""

# messages whose time comes from the message itself: the relayed bytes do
# not depend on when they are relayed
MESSAGES = [
    b"<134>Dec  7 18:00:00 myhost app[123]: hello world",
    b'<13>1 2026-12-07T18:00:00.123456+01:00 h2 prog 99 ID47 [ex@1 a="b"] msg5424',
    b"<13>1 2026-12-07T18:00:00Z h2 prog 99 ID47 - msgnosd\n",
    b'<134>Dec  7 18:00:00 tollgate[55]: 127.0.0.1:1234 [x] "GET / HTTP/1.1"',
    b"<134>Dec  7 18:00:00 host tag: m",
    b"<134>Dec  7 18:00:00 host tag[1]x: m",
    b"<13>1 2026-12-07T18:00:00Z - app 1 - - no host",
]
TIMES = re.compile(rb"\d{4}-\d\d-\d\dT[0-9:.]+[+-]\d\d:\d\d|\w{3} [ \d]\d \d\d:\d\d:\d\d")


class Relay:
    def __init__(self, tmp_path, starter, name):
        self.sink = udp_sink()
        self.sock = str(tmp_path / (name + ".sock"))
        self.udp, self.tcp = free_port(), free_port()
        self.proc = starter(CFG % dict(sock=self.sock, udp=self.udp, tcp=self.tcp,
                                       sink=self.sink.getsockname()[1]), port=self.tcp,
                            name=name + ".cfg")
        wait_until(lambda: admin_ready(self.sock), 10, name + "'s admin socket")
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def drain(self, want):
        """The datagrams received until <want> of them came (or 5 s)."""
        got = []

        def more():
            try:
                got.append(self.sink.recv(70000))
            except socket.timeout:
                pass
            return len(got) >= want
        wait_until(more, 5, "%d relayed messages" % want)
        return got

    def send_udp(self, msg):
        self.tx.sendto(msg, ("127.0.0.1", self.udp))
        return self.drain(4)

    def dropped(self):
        return int(re.search(r"DroppedLogs: (\d+)", admin_cli(self.sock, "show info")).group(1))


@pytest.fixture
def both(tollgate, haproxy, tmp_path):
    return Relay(tmp_path, tollgate, "tollgate"), Relay(tmp_path, haproxy, "haproxy")


def test_udp_relay_same_bytes_as_haproxy(both):
    tg, hp = both
    for msg in MESSAGES:
        got = tg.send_udp(msg)
        assert got == hp.send_udp(msg), msg
        assert all(g.endswith(b"\n") for g in got)
    # no header: the relay's time, the rest as HAProxy
    masked = [[TIMES.sub(b"T", g) for g in r.send_udp(b"<11>garbage")] for r in both]
    assert masked[0] == masked[1] == [b"<11>garbage\n", b"<11>1 T - - - - - garbage\n",
                                      b"<11>T localhost garbage\n", b"garbage\n"]
    # the header kept, in each target's format
    got = tg.send_udp(MESSAGES[0])
    assert got[0] == b"<134>Dec  7 18:00:00 myhost app[123]: hello world\n"
    assert b"<134>1 2026-12-07T18:00:00-00:00 myhost app 123 - - hello world\n" in got
    assert b"hello world\n" in got


def test_tcp_relay_both_framings_same_bytes_as_haproxy(both):
    stream = (b"<134>Dec  7 18:00:00 myhost app[1]: lf1\n"
              b"58 <134>Dec  7 18:00:00 myhost app[2]: octet\ncounted message\n"
              b"<13>1 2026-12-07T18:00:00Z h - - - - lf2\r\n")
    out = {}
    for r in both:
        with socket.create_connection(("127.0.0.1", r.tcp)) as c:
            # split in the middle of a frame: reassembled
            c.sendall(stream[:30])
            c.sendall(stream[30:])
            out[r] = r.drain(12)
    tg, hp = both
    assert out[tg] == out[hp]
    assert b"<134>Dec  7 18:00:00 myhost app[2]: octet\ncounted message\n" in out[tg]


def test_bad_input_dropped_never_fatal(tollgate, tmp_path):
    r = Relay(tmp_path, tollgate, "tollgate")
    before = r.dropped()
    # an oversized datagram (beyond tune.bufsize, 16384) is dropped and counted
    r.tx.sendto(b"<134>" + b"x" * 30000, ("127.0.0.1", r.udp))
    wait_until(lambda: r.dropped() == before + 1, 5, "the oversized datagram counted")
    # a stream that is not syslog is closed, counted
    with socket.create_connection(("127.0.0.1", r.tcp)) as c:
        c.settimeout(5)
        c.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert c.recv(10) == b""
    assert r.dropped() == before + 2
    # a frame announcing more than tune.bufsize is refused at once
    with socket.create_connection(("127.0.0.1", r.tcp)) as c:
        c.settimeout(5)
        c.sendall(b"99999999 <134>x")
        assert c.recv(10) == b""
    assert r.dropped() == before + 3
    # and relaying goes on
    assert r.send_udp(MESSAGES[0])[0] == b"<134>Dec  7 18:00:00 myhost app[123]: hello world\n"


def test_maxconn_and_timeout_client(tollgate, tmp_path):
    r = Relay(tmp_path, tollgate, "tollgate")
    conns = [socket.create_connection(("127.0.0.1", r.tcp)) for _ in range(5)]
    conns[4].sendall(b"<134>Dec  7 18:00:00 h t: fifth\n")
    conns[0].sendall(b"<134>Dec  7 18:00:00 h t: first\n")
    assert r.drain(4)[0] == b"<134>Dec  7 18:00:00 h t: first\n"
    # the fifth waits in the backlog (maxconn 4) until one closes
    conns[0].close()
    assert r.drain(4)[0] == b"<134>Dec  7 18:00:00 h t: fifth\n"
    for c in conns[1:]:
        c.close()


def test_config_errors(tmp_path):
    from conftest import run_check
    rc, out, _ = run_check("log-forward lf\n    dgram-bind\n", tmp_path)
    assert rc != 0 and "t.cfg:2" in out and "'dgram-bind' expects an address" in out
    rc, out, _ = run_check("log-forward lf\n    timeout server 1s\n", tmp_path)
    assert rc != 0 and "'timeout' expects 'client <time>'" in out


def options_relay(tollgate, tmp_path, options):
    sink, sock, udp, tcp = udp_sink(), str(tmp_path / "o.sock"), free_port(), free_port()
    tollgate("""
global
    stats socket %s level admin
log-forward relay
    dgram-bind 127.0.0.1:%d
    bind 127.0.0.1:%d
%s
    log 127.0.0.1:%d local0
""" % (sock, udp, tcp, options, sink.getsockname()[1]), port=tcp)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def relay(msg):
        tx.sendto(msg, ("127.0.0.1", udp))
        return recv1(sink)
    return relay, tcp, sink


def recv1(sink):
    """The next datagram of <sink>, waiting up to 5 s."""
    sink.settimeout(5)
    try:
        return sink.recv(70000)
    finally:
        sink.settimeout(0.2)


def test_option_dont_parse_log(tollgate, tmp_path):
    relay, _, _ = options_relay(tollgate, tmp_path, "    option dont-parse-log")
    for msg in MESSAGES[:2] + [b"<999>x", b"no pri at all"]:
        assert relay(msg) == msg.rstrip(b"\n") + b"\n"


def test_option_assume_rfc6587_ntf(tollgate, tmp_path):
    _, tcp, sink = options_relay(tollgate, tmp_path, "    option assume-rfc6587-ntf")
    with socket.create_connection(("127.0.0.1", tcp)) as c:
        c.sendall(b"12 <134>Dec  7 18:00:00 h t: x\n")
        # the leading digits are message text, not an octet count
        assert recv1(sink) == b"12 <134>Dec  7 18:00:00 h t: x\n"


@pytest.mark.parametrize("mode,received,relayed", [
    ("replace", b"<134>Dec  7 18:00:00 myhost app[1]: x", b"<134>Dec  7 18:00:00 127.0.0.1 app[1]: x\n"),
    ("append", b"<134>Dec  7 18:00:00 myhost app[1]: x", b"<134>Dec  7 18:00:00 myhost,127.0.0.1 app[1]: x\n"),
    ("fill", b"<134>Dec  7 18:00:00 myhost app[1]: x", b"<134>Dec  7 18:00:00 myhost app[1]: x\n"),
    ("fill", b"<13>1 2026-12-07T18:00:00Z - app 1 - - x", b"<13>1 2026-12-07T18:00:00Z 127.0.0.1 app 1 - - x\n"),
    # no host: a target without `format` writes the host-less local form
    ("keep", b"<13>1 2026-12-07T18:00:00Z - app 1 - - x", b"<13>Dec  7 18:00:00 app[1]: x\n"),
])
def test_option_host(tollgate, tmp_path, mode, received, relayed):
    relay, _, _ = options_relay(tollgate, tmp_path, "    option host " + mode)
    assert relay(received) == relayed


def test_option_errors(tmp_path):
    from conftest import run_check
    rc, out, _ = run_check("log-forward lf\n    option host maybe\n", tmp_path)
    assert rc != 0 and "t.cfg:2" in out and "'option host' expects one of" in out
    rc, out, _ = run_check("log-forward lf\n    option httplog\n", tmp_path)
    assert rc != 0 and "'option httplog' is not supported in a log-forward section" in out


def test_timeout_client_closes_idle_connections(tollgate, tmp_path):
    relay, tcp, sink = options_relay(tollgate, tmp_path, "    timeout client 300ms")
    with socket.create_connection(("127.0.0.1", tcp)) as c:
        c.settimeout(5)
        c.sendall(b"<134>Dec  7 18:00:00 h t: x\n")
        # the message goes through, then the idle connection is closed
        assert c.recv(10) == b""
    assert recv1(sink) == b"<134>Dec  7 18:00:00 h t: x\n"


def test_reload_takes_over_the_receivers(tollgate, tmp_path):
    sink, udp, tcp = udp_sink(), free_port(), free_port()
    cfg = """
log-forward relay
    dgram-bind 127.0.0.1:%d
    bind 127.0.0.1:%d
    log 127.0.0.1:%d local0
""" % (udp, tcp, sink.getsockname()[1])
    old = tollgate(cfg, port=tcp)
    new = tollgate(cfg, args=["-sf", str(old.proc.pid)], name="new.cfg")
    # the new process binds the same ports while the old one still has them
    assert old.wait_exit() == 0
    new.wait_log("started")
    # a log-forward section is something to do
    assert "nothing to do" not in new.output()
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"<134>Dec  7 18:00:00 h t: x",
                                                             ("127.0.0.1", udp))
    assert recv1(sink) == b"<134>Dec  7 18:00:00 h t: x\n"
    wait_port(tcp)


def test_unix_dgram_receiver(tollgate, tmp_path):
    sink, sock, path = udp_sink(), str(tmp_path / "u.sock"), str(tmp_path / "log.sock")
    open(path, "w").close()   # left by a previous run: replaced
    tollgate("""
global
    stats socket %s level admin
log-forward relay
    dgram-bind unix@%s
    log 127.0.0.1:%d local0
""" % (sock, path, sink.getsockname()[1]))
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    tx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    tx.sendto(b"<134>Dec  7 18:00:00 h t: via unix", path)
    assert recv1(sink) == b"<134>Dec  7 18:00:00 h t: via unix\n"
