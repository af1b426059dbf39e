"""Stick-table expiry in the running binary, side by side with HAProxy:
entries die `expire` after their last touch, a gpc0 ban lifts, a key that
comes back starts from zero, and an entry still in use past its expiry
lives until its user is done, then expires (the purge task never stops
while an entry remains)."""
import socket
import time

import pytest

from conftest import HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until
from httpbackend import get, table_entries


def admin_start(start, sock, cfg):
    """Starts a proxy and waits for its admin socket rather than probing
    the frontend, so that no probe is tracked in the table."""
    t = start(cfg)
    wait_until(lambda: admin_ready(sock), 10, "admin socket of %s:\n%s" % (sock, t.output()))
    return t


def entries(sock, table):
    return table_entries(admin_cli(sock, "show table " + table))


ADMIN = """
global
    stats socket %(sock)s level admin
"""

HTTP_BAN = ADMIN + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    stick-table type ip size 100 expire 1s store http_req_cnt,gpc0
    http-request track-sc0 src
    http-request deny deny_status 403 if { sc0_get_gpc0 gt 0 }
    http-request sc-inc-gpc0(0) if { path /bad }
    default_backend be
backend be
    server a 127.0.0.1:%(bport)d
"""


@pytest.mark.parametrize("proxy", ["tollgate", "haproxy"])
def test_entry_expires_ban_lifts_counters_restart(proxy, http_backend, tollgate, haproxy, tmp_path):
    b = http_backend("A")
    port, sock = free_port(), str(tmp_path / "admin.sock")
    start = tollgate if proxy == "tollgate" else haproxy
    admin_start(start, sock, HTTP_BAN % {"sock": sock, "port": port, "bport": b.port})

    assert get(port, "/")[0] == 200
    assert get(port, "/bad")[0] == 200          # counted, then banned
    assert get(port, "/")[0] == 403
    (e,) = entries(sock, "fe")
    assert (e["key"], e["gpc0"], e["http_req_cnt"]) == ("127.0.0.1", "1", "3")
    assert int(e["exp"]) <= 1000

    # no traffic: the entry dies one second after its last touch...
    wait_until(lambda: entries(sock, "fe") == [], 5, "the entry to expire")
    assert "used:0" in admin_cli(sock, "show table").replace(" ", "")
    # ...so the ban has lifted and the counters start again
    assert get(port, "/")[0] == 200
    (e,) = entries(sock, "fe")
    assert (e["gpc0"], e["http_req_cnt"]) == ("0", "1")


TCP_DEFAULTS = """
defaults
    mode tcp
    timeout client 10s
    timeout connect 2s
    timeout server 10s
"""

TCP_HELD = ADMIN + TCP_DEFAULTS + """
listen lb
    bind 127.0.0.1:%(port)d
    stick-table type ip size 100 expire 300ms store conn_cur,conn_cnt
    tcp-request connection track-sc0 src
    server a 127.0.0.1:%(bport)d
"""


@pytest.mark.parametrize("proxy", ["tollgate", "haproxy"])
def test_entry_in_use_outlives_expiry_then_expires(proxy, backend, tollgate, haproxy, tmp_path):
    """The expiry passes while a connection still tracks the entry: it is
    kept (conn_cur=1) as long as the connection lasts, and expires after
    the connection ends. In Tollgate the purge task found only an entry in
    use, switched itself off, and the entry stayed forever."""
    b = backend("A")
    port, sock = free_port(), str(tmp_path / "admin.sock")
    start = tollgate if proxy == "tollgate" else haproxy
    t = admin_start(start, sock, TCP_HELD % {"sock": sock, "port": port, "bport": b.port})

    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    assert c.recv(2) == b"A:"
    # held through four expiry periods, watched all along: the purge runs
    # several times and must keep the entry
    polls, until = [], time.monotonic() + 1.2

    def held_long_enough():
        polls.append(entries(sock, "lb"))
        return time.monotonic() > until

    wait_until(held_long_enough, 10, "the connection to outlive the expiry")
    assert t.proc.poll() is None
    for p in polls:
        assert [(e["key"], e["conn_cur"]) for e in p] == [("127.0.0.1", "1")], p
    c.close()
    wait_until(lambda: entries(sock, "lb") and entries(sock, "lb")[0]["conn_cur"] == "0"
               or not entries(sock, "lb"), 5, "the connection's release")
    wait_until(lambda: entries(sock, "lb") == [], 5, "the released entry to expire")


TCP_TRAFFIC = ADMIN + TCP_DEFAULTS + """
listen lb
    bind 127.0.0.1:%(port)d
    stick-table type ip size 100 expire 10s store %(store)s
    tcp-request connection track-sc0 src
    server a 127.0.0.1:%(bport)d
"""


@pytest.mark.parametrize("proxy,store,refreshed", [
    ("tollgate", "gpc0", False), ("haproxy", "gpc0", False), ("tollgate", "gpc0,bytes_in_cnt", True)])
def test_traffic_touches_an_entry_only_if_it_counts_bytes(proxy, store, refreshed, backend, tollgate,
                                                          haproxy, tmp_path):
    """Bytes flowing through a tracked connection refresh the entry's
    expiry only when the table stores a byte counter: otherwise nothing
    stored changed, and the touch (a shard lock, an update for the peers)
    is not paid, as in HAProxy. (HAProxy 2.6 counts a TCP connection's
    bytes only when its stream is processed, at the end here: bytes_in_cnt
    reads 0 mid-connection, so the stored case is Tollgate's alone.)"""
    b = backend("A")
    port, sock = free_port(), str(tmp_path / "admin.sock")
    start = tollgate if proxy == "tollgate" else haproxy
    admin_start(start, sock, TCP_TRAFFIC % {"sock": sock, "port": port, "bport": b.port, "store": store})

    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        assert c.recv(2) == b"A:"
        until = time.monotonic() + 1.5

        def echoed():
            c.sendall(b"ping")
            got = b""
            while len(got) < 4:
                got += c.recv(4 - len(got))
            return time.monotonic() > until

        wait_until(echoed, 10, "1.5 s of traffic")
        (e,) = entries(sock, "lb")
        if refreshed:
            assert int(e["exp"]) > 9500 and int(e["bytes_in_cnt"]) > 0, e
        else:
            assert int(e["exp"]) < 9000, e
