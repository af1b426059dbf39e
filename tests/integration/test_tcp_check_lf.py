"""tcp-check send-lf / send-binary-lf, expect rbinary, and log-format
on-success / on-error texts: each run through haproxy 2.6 and tollgate on
the same configuration, against a Python server that answers according
to what the check sent; the "Health check" log lines must agree."""
import re

import pytest

from conftest import free_port, run_check
from test_tcp_check import BASE, backend_cfg


class Greeter:
    """Reads one line; answers <good> when it is <want>, else <bad>;
    then closes."""

    def __init__(self, want, good, bad=b"-ERR\r\n"):
        self.want, self.good, self.bad = want, good, bad

    def __call__(self, c):
        c.settimeout(10)
        got = b""
        while not got.endswith(b"\n"):
            d = c.recv(4096)
            if not d:
                break
            got += d
        c.sendall(self.good if got == self.want else self.bad)


def reason(t, name, px="lb"):
    """Waits for the first "Health check" line of <px>/<name> and returns
    its verdict and reason (without the duration, which varies)."""
    rx = re.compile(r"Health check for server %s/%s (succeeded|failed), (reason: .*?), check duration" % (px, name))
    out = ""
    for _ in range(2):
        try:
            t.wait_log("Health check for server %s/%s " % (px, name))
        except AssertionError:
            pass
        out = t.output()
        m = rx.search(out)
        if m:
            return m.group(1) + " " + m.group(2)
    raise AssertionError("no health check line for %s:\n%s" % (name, out))


def both(backend, haproxy, tollgate, handler, rules, name="a"):
    """Runs the check of server <name> with <rules> through both binaries
    and returns their reasons (haproxy's, tollgate's)."""
    srv = backend("A", handler)
    got = []
    for start in (haproxy, tollgate):
        port = free_port()
        t = start(backend_cfg(port, [(name, srv.port, "")], rules), port=port)
        got.append(reason(t, name))
        t.kill()
    return got


CASES = [
    # send-lf with a fetch of the check (the server's name)
    ("HELLO a\r\n", b"+OK\r\n",
     ['tcp-check send-lf "HELLO %[srv_name]\\r\\n"', "tcp-check expect string +OK"], "succeeded"),
    ("HELLO b\r\n", b"+OK\r\n",
     ['tcp-check send-lf "HELLO %[srv_name]\\r\\n"', "tcp-check expect string +OK"], "failed"),
    # send-binary-lf: the rendered text is hexadecimal
    ("PING\r\n", b"+OK\r\n",
     ['tcp-check send-binary-lf "%[str(PING),hex]0d0a"', "tcp-check expect string +OK"], "succeeded"),
    # expect rbinary: a regex on the upper-case hex of the bytes
    ("PING\r\n", b"\x00\x01OK",
     ["tcp-check send PING\\r\\n", "tcp-check expect rbinary ^00014F4B"], "succeeded"),
    ("PING\r\n", b"\x00\x01OK",
     ["tcp-check send PING\\r\\n", "tcp-check expect rbinary ^00014f4b"], "failed"),
    ("PING\r\n", b"\x00\x01OK",
     ["tcp-check send PING\\r\\n", "tcp-check expect ! rbinary 4F4B"], "failed"),
    # log-format on-success / on-error
    ("PING\r\n", b"+OK\r\n",
     ["tcp-check send PING\\r\\n", 'tcp-check expect string +OK on-success "%[srv_name] is fine"'], "succeeded"),
    ("PING\r\n", b"-ERR\r\n",
     ["tcp-check send PING\\r\\n", 'tcp-check expect string +OK on-error "%[srv_name] said no"'], "failed"),
]


@pytest.mark.parametrize("want,answer,rules,verdict", CASES)
def test_like_haproxy(backend, haproxy, tollgate, want, answer, rules, verdict):
    ref, ours = both(backend, haproxy, tollgate, Greeter(want.encode(), answer), rules)
    assert ref.startswith(verdict), ref
    assert ours == ref


def test_config_errors(tmp_path):
    cfg = BASE + """backend be
    option tcp-check
    tcp-check send-lf "%[nosuchfetch]"
    server a 127.0.0.1:1 check
"""
    rc, out, path = run_check(cfg, tmp_path)
    assert rc != 0, out
    assert "[%s:%d]" % (path, BASE.count("\n") + 3) in out, out
    assert "'tcp-check send-lf' : invalid log-format '%[nosuchfetch]'" in out, out
    cfg = BASE + """backend be
    option tcp-check
    tcp-check send x
    tcp-check expect rbinary "a(b"
    server a 127.0.0.1:1 check
"""
    rc, out, path = run_check(cfg, tmp_path)
    assert rc != 0, out
    assert "'tcp-check expect rbinary' : invalid regular expression 'a(b'" in out, out


DEFAULTS_CFG = BASE + """    option tcp-check
    option log-health-checks
    tcp-check send PING\\r\\n
    tcp-check expect string +PONG on-success "%%[srv_name] pongs"
listen inherits
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d check inter 50 fall 1 rise 1
listen own
    bind 127.0.0.1:%d
    tcp-check send HELLO\\r\\n
    tcp-check expect string +PONG
    server b 127.0.0.1:%d check inter 50 fall 1 rise 1
"""


def test_defaults_rules_like_haproxy(backend, haproxy, tollgate):
    """tcp-check rules of a defaults section run for a section with none of
    its own; a section's own rules replace them (not appended)."""
    ping = backend("A", Greeter(b"PING\r\n", b"+PONG\r\n"))
    hello = backend("B", Greeter(b"HELLO\r\n", b"+PONG\r\n"))
    got = []
    for start in (haproxy, tollgate):
        p1, p2 = free_port(), free_port()
        t = start(DEFAULTS_CFG % (p1, ping.port, p2, hello.port), port=p1)
        got.append((reason(t, "a", "inherits"), reason(t, "b", "own")))
        t.kill()
    assert got[0] == ('succeeded reason: Layer7 check passed, code: 0, info: "a pongs"',
                      'succeeded reason: Layer7 check passed, code: 0, info: "(tcp-check)"'), got[0]
    assert got[1] == got[0]


class Recorder:
    """Keeps what a check sent before its "PING\\r\\n" and answers +PONG."""

    def __init__(self):
        self.seen = []

    def __call__(self, c):
        c.settimeout(10)
        got = b""
        while not got.endswith(b"PING\r\n"):
            d = c.recv(4096)
            if not d:
                return
            got += d
        # the source port, as the server sees it, is the line's: normalised
        head = got[:-6].replace(b" %d " % c.getpeername()[1], b" <sport> ")
        self.seen.append(head)
        c.sendall(b"+PONG\r\n")


@pytest.mark.parametrize("server_opts", ["", " send-proxy-v2"])
def test_connect_send_proxy_like_haproxy(backend, haproxy, tollgate, server_opts):
    """`tcp-check connect send-proxy`: the check's connection starts with
    the PROXY header of a connection without a client, as HAProxy's."""
    rec = Recorder()
    srv = backend("A", rec)
    rules = ["tcp-check connect send-proxy", "tcp-check send PING\\r\\n", "tcp-check expect string +PONG"]
    got = []
    for start in (haproxy, tollgate):
        port = free_port()
        t = start(backend_cfg(port, [("a", srv.port, server_opts)], rules), port=port)
        got.append(reason(t, "a"))
        t.kill()
        got.append(rec.seen[-1])
    assert got[0].startswith("succeeded"), got
    assert got[2:] == got[:2]
    assert got[1] == (b"PROXY TCP4 127.0.0.1 127.0.0.1 <sport> %d\r\n" % srv.port if not server_opts
                      else b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"), got
