"""Protocol health checks (option smtpchk, pgsql-check, redis-check,
mysql-check, ldap-check, spop-check) against scripted Python servers: the
bytes each check sends, and the verdict logged with log-health-checks,
compared line for line with HAProxy 2.6 on the same configuration."""
import re

import pytest

from conftest import free_port, run_check, wait_until
from tcpserver import TcpServer


class Script(TcpServer):
    """A server playing a conversation on each connection: a list of
    ("send", bytes) and ("recv", n) steps; what it received is kept."""

    def __init__(self, steps):
        self.steps = steps
        self.received = []
        super().__init__(self._play)

    def _play(self, c):
        got = b""
        for what, arg in self.steps:
            if what == "send":
                c.sendall(arg)
                continue
            while len(got) < arg:
                d = c.recv(arg - len(got))
                if not d:
                    break
                got += d
            self.received.append(got)
            got = b""


@pytest.fixture
def script():
    started = []

    def start(steps):
        s = Script(steps)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def cfg_for(option, port):
    return """
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 2s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    option log-health-checks
    option %s
    server srv 127.0.0.1:%d check inter 300 rise 1 fall 1
""" % (free_port(), option, port)


def first_check_line(proc):
    wait_until(lambda: "Health check for server be/srv" in proc.output(), 10,
               "a health check line; got:\n" + proc.output())
    line = [l for l in proc.output().splitlines() if "Health check for server be/srv" in l][0]
    line = line[line.index("Health check"):]
    return re.sub(r"check duration: \d+ms", "check duration: Nms", line)


SMTP_OK = [("send", b"220 mail ready\r\n"), ("recv", 16), ("send", b"250-mx\r\n250 OK\r\n"),
           ("recv", 6), ("send", b"221 bye now\r\n")]
PG_AUTH = bytes.fromhex("520000000800000000")
PG_FATAL = bytes.fromhex("450000000B53464154414C00")
MYSQL_HS = b"\x0a5.7.42-log\x00" + b"\x01" * 8
MYSQL_HS = bytes([len(MYSQL_HS), 0, 0, 0]) + MYSQL_HS
MYSQL_ERR = b"\xff\x15\x04#28000Access denied"
MYSQL_ERR = bytes([len(MYSQL_ERR), 0, 0, 1]) + MYSQL_ERR
LDAP_OK = bytes.fromhex("300c02010161070a010004000400")
LDAP_ERR = bytes.fromhex("300c02010161070a013104000400")

# option, conversation, verdict expected from both
CASES = [
    ("smtpchk", SMTP_OK,
     'succeeded, reason: Layer7 check passed, code: 221, info: "bye now"'),
    ("smtpchk EHLO example.org", [("send", b"220 hi\r\n"), ("recv", 18), ("send", b"550 no\r\n")],
     'failed, reason: Layer7 wrong status, code: 550, info: "no"'),
    ("smtpchk", [("send", b"421 Try again later\r\n")],
     'failed, reason: Layer7 wrong status, code: 421, info: "Try again later"'),
    ("smtpchk", [("send", b"hello there\r\n")],
     'failed, reason: Layer7 invalid response, info: "hello there"'),
    ("pgsql-check user postgres", [("recv", 23), ("send", PG_AUTH)],
     'succeeded, reason: Layer7 check passed, code: 0, info: "PostgreSQL server is ok"'),
    ("pgsql-check user postgres", [("recv", 23), ("send", PG_FATAL)],
     'failed, reason: Layer7 invalid response, info: "FATAL"'),
    ("redis-check", [("recv", 14), ("send", b"+PONG\r\n")],
     'succeeded, reason: Layer7 check passed, code: 0, info: "Redis server is ok"'),
    ("redis-check", [("recv", 14), ("send", b"-ERR loading\r\n")],
     'failed, reason: Layer7 wrong status, code: 0, info: "-ERR loading"'),
    ("mysql-check", [("send", MYSQL_HS)],
     'succeeded, reason: Layer7 check passed, code: 0, info: "5.7.42-log"'),
    # HAProxy 2.6 reports this one as "Layer7 invalid response" without
    # info; newer HAProxy's parser (followed here) reads the error packet
    ("mysql-check user haproxy", [("send", MYSQL_HS), ("recv", 4), ("send", MYSQL_ERR)],
     'failed, reason: Layer7 wrong status, code: 1045, info: "#28000Access denied"'),
    ("ldap-check", [("recv", 14), ("send", LDAP_OK)],
     'succeeded, reason: Layer7 check passed, code: 0, info: "Success"'),
    ("ldap-check", [("recv", 14), ("send", LDAP_ERR)],
     'failed, reason: Layer7 wrong status, code: 49, '
     'info: "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9"'),
]


@pytest.mark.parametrize("option,steps,verdict", CASES, ids=[c[0] + "-%d" % i for i, c in enumerate(CASES)])
def test_verdict_matches_haproxy(script, tollgate, haproxy, option, steps, verdict):
    srv = script(steps)
    t = tollgate(cfg_for(option, srv.port))
    h = haproxy(cfg_for(option, srv.port))
    ours, theirs = first_check_line(t), first_check_line(h)
    assert "Health check for server be/srv " + verdict + ", check duration: Nms" in ours, ours
    if "mysql-check user" not in option:
        assert ours == theirs


def test_smtp_sends_helo_then_quit(script, tollgate):
    srv = script(SMTP_OK)
    t = tollgate(cfg_for("smtpchk", srv.port))
    first_check_line(t)
    assert srv.received[:2] == [b"HELO localhost\r\n", b"QUIT\r\n"]


def test_pgsql_startup_message(script, tollgate):
    srv = script([("recv", 23), ("send", PG_AUTH)])
    t = tollgate(cfg_for("pgsql-check user postgres", srv.port))
    first_check_line(t)
    assert srv.received[0] == bytes.fromhex("00000017000300007573657200706f7374677265730000")


def test_smtp_reply_in_pieces_waits_for_the_line(script, tollgate):
    """A reply cut anywhere (here byte by byte) is judged once complete."""
    steps = [("send", bytes([b])) for b in b"220 ok\r\n"] + [("recv", 16)]
    steps += [("send", bytes([b])) for b in b"250 ok\r\n"] + [("recv", 6), ("send", b"221 done\r\n")]
    srv = script(steps)
    t = tollgate(cfg_for("smtpchk", srv.port))
    assert 'Layer7 check passed, code: 221, info: "done"' in first_check_line(t)


@pytest.mark.parametrize("line,msg", [
    ("option pgsql-check", "'option pgsql-check' expects 'user <username>'"),
    ("option mysql-check user bob post-99", "unknown version 'post-99'"),
    ("option redis-check now", "'option redis-check' takes no argument"),
])
def test_config_errors(tmp_path, line, msg):
    cfg = "backend be\n    %s\n    server s 127.0.0.1:1 check\n" % line
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0
    assert ":2" in out and msg in out, out
