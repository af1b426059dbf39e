"""`option httpslog`: HAProxy's HTTPS log line (httplog plus the
connection and TLS error codes, SNI, version and cipher), over TLS and
over plain HTTP, compared with HAProxy 2.6's line for the same requests
(the client port, dates, timers and connection counts aside)."""
import re
import subprocess

import pytest

from conftest import free_port, wait_until
import tlscerts

LINE = re.compile(
    r'^127\.0\.0\.1:\d+ \[[^\]]+\] (?P<ft>\S+) (?P<bs>\S+) -?\d+/-?\d+/-?\d+/-?\d+/\d+ '
    r'(?P<ST>\d+) \d+ (?P<CC>\S+) (?P<CS>\S+) (?P<tsc>\S{4}) \d+/\d+/\d+/\d+/(?P<rc>\d+) '
    r'(?P<q>\d+/\d+) "(?P<r>[^"]*)" (?P<errs>\S+) (?P<tls>\S+)$', re.M)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_all(tmp_path_factory.mktemp("certs"))


def cfg(port, pport, crt, bport, opts="option httpslog"):
    return """
global
    log stdout format raw local0
defaults
    mode http
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d ssl crt %s
    bind 127.0.0.1:%d
    %s
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, crt, pport, opts, bport)


def curl(url, port):
    subprocess.run(["curl", "-sS", "-k", "--http1.1", "--max-time", "5", "--resolve",
                    "www.example.com:%d:127.0.0.1" % port, url], capture_output=True, timeout=15, check=True)


def lines(start, certs, http_backend, opts="option httpslog"):
    b = http_backend("A")
    port, pport = free_port(), free_port()
    t = start(cfg(port, pport, certs["rsa"], b.port, opts), port=port)
    curl("https://www.example.com:%d/tls?x=1" % port, port)
    curl("http://127.0.0.1:%d/plain" % pport, pport)
    wait_until(lambda: len(LINE.findall(t.output())) >= 2, 10, "two log lines in:\n" + t.output())
    return [m.groupdict() for m in LINE.finditer(t.output())]


def test_httpslog_line_agrees_with_haproxy(tollgate, haproxy, certs, http_backend):
    ours = lines(tollgate, certs, http_backend)
    theirs = lines(haproxy, certs, http_backend)
    assert ours == theirs
    tls, plain = ours
    assert tls["r"] == "GET /tls?x=1 HTTP/1.1" and tls["errs"] == "0/0000000000000000/0/0/0"
    assert tls["tls"].startswith("www.example.com/TLSv1.")
    assert plain["errs"] == "0/-/-/-/0" and plain["tls"] == "-/-/-", plain


def test_last_log_option_wins(tollgate, certs, http_backend):
    # httplog after httpslog: the plain format, without the TLS fields
    b = http_backend("A")
    port, pport = free_port(), free_port()
    t = tollgate(cfg(port, pport, certs["rsa"], b.port, "option httpslog\n    option httplog"), port=port)
    curl("http://127.0.0.1:%d/plain" % pport, pport)
    wait_until(lambda: '"GET /plain HTTP/1.1"' in t.output(), 10, "the log line in:\n" + t.output())
    assert t.output().rstrip().endswith('"GET /plain HTTP/1.1"'), t.output()
    assert not LINE.search(t.output())
