"""`option abortonclose` and the turn-around between connection retries:
a client that leaves while its request waits for a connection (CC), in
the queue (CQ) or for the server's answer (CH, 400) aborts it; without
the option the request goes on (SC, 503).

The turn-around is compared with HAProxy 2.6 on the same configuration.
The aborts follow HAProxy 3.x (its regression test
http_abortonclose.vtc): 2.6's H1 mux does not see a client's close once
the request is complete, and goes on with the retries (SC, 503)."""
import re
import socket
import time

import pytest

from conftest import free_port, wait_until

LOG = re.compile(r'(\S+)/(\S+) (-?\d+)/(-?\d+)/(-?\d+)/(-?\d+)/(\d+) (-?\d+) \d+ - - (\S{4}) .* "GET (\S+) HTTP/1.1"')


def head(port, extra=""):
    return """
global
    nbthread 1
defaults
    mode http
    option httplog
    option dontlognull
    log stdout format raw local0
    retries 10
    timeout client 10s
    timeout server 10s
    timeout connect 1s
    timeout queue 5s
%s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
""" % (extra, port)


def closed_port():
    """A port of 127.0.0.1 where nothing listens (connections refused)."""
    return free_port()


def send_and_close(port, path):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
    s.close()


def log_of(proc, path, timeout=5.0):
    """The log fields of the request for <path>: backend, server, timers,
    status, termination state."""
    def find():
        for line in proc.output().splitlines():
            m = LOG.search(line)
            if m and m.group(10) == path:
                return m
        return None
    wait_until(lambda: find() is not None, timeout, "the log line of %s in:\n%s" % (path, proc.output()))
    m = find()
    return {"srv": m.group(2), "tw": int(m.group(4)), "tc": int(m.group(5)),
            "status": int(m.group(8)), "term": m.group(9)}


def test_client_leaving_during_connection_retries_aborts_with_abortonclose(tollgate):
    port = free_port()
    p = tollgate(head(port) + """
backend be
    option abortonclose
    server s 127.0.0.1:%d
""" % closed_port(), port=port)
    t0 = time.monotonic()
    send_and_close(port, "/abort")
    got = log_of(p, "/abort")
    # ten retries a turn-around of 1s apart would take 10s: the close ended it
    assert time.monotonic() - t0 < 5
    assert (got["status"], got["term"], got["tc"]) == (-1, "CC--", -1), got


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_without_abortonclose_the_retries_go_on_a_turn_around_apart(tollgate, haproxy, which):
    port = free_port()
    start = tollgate if which == "tollgate" else haproxy
    p = start(head(port) + """
backend be
    retries 3
    timeout connect 200ms
    no option abortonclose
    server s 127.0.0.1:%d
""" % closed_port(), port=port)
    t0 = time.monotonic()
    send_and_close(port, "/goes-on")
    got = log_of(p, "/goes-on")
    # three retries, each after MIN(1s, timeout connect) of turn-around
    assert time.monotonic() - t0 >= 0.55
    assert (got["status"], got["term"]) == (503, "SC--"), got


def hold_until_eof(c):
    """A server that reads a request and answers nothing: it closes when
    the proxy shuts its side."""
    c.settimeout(10)
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass
    c.close()


def test_client_leaving_in_queue_or_waiting_for_the_answer(backend, tollgate):
    b = backend("A", hold_until_eof)
    port = free_port()
    p = tollgate(head(port) + """
backend be
    option abortonclose
    server s 127.0.0.1:%d maxconn 1
""" % b.port, port=port)
    first = socket.create_connection(("127.0.0.1", port))
    first.sendall(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_until(lambda: b.accepted == 1, 5, "the server to get the first request")
    # the second one waits in the queue behind it, and leaves
    send_and_close(port, "/queued")
    got = log_of(p, "/queued")
    assert (got["srv"], got["status"], got["term"]) == ("<NOSRV>", -1, "CQ--"), got
    assert got["tw"] >= 0
    # the first one leaves: the server is told, closes, and that ends it
    first.close()
    got = log_of(p, "/first")
    assert (got["srv"], got["status"], got["term"]) == ("s", 400, "CH--"), got


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_tcp_client_leaving_without_data_during_the_turn_around(tollgate, haproxy, which):
    """mode tcp: a client that closes with nothing to send is given up
    during the turn-around, with or without abortonclose: both end at
    once. Tollgate logs CC as HAProxy 3.x does (2.6 logs `--`)."""
    port = free_port()
    start = tollgate if which == "tollgate" else haproxy
    p = start("""
global
    nbthread 1
defaults
    mode tcp
    option tcplog
    log stdout format raw local0
    retries 5
    timeout client 10s
    timeout server 10s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s 127.0.0.1:%d
""" % (port, closed_port()), port=port)
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as s:
        cport = s.getsockname()[1]
    wait_until(lambda: "127.0.0.1:%d " % cport in p.output(), 5, "the log line")
    line = [l for l in p.output().splitlines() if "127.0.0.1:%d " % cport in l][0]
    if which == "tollgate":
        assert " CC " in line, line
    assert time.monotonic() - t0 < 3   # five retries a second apart would take 5s
