"""Stick tables in TCP mode: track-sc, rate and concurrency limits,
gpc/gpt actions, table-only backends, persistence with stick on."""
import socket
import time

import pytest

from conftest import exchange, free_port, wait_until

BASE = """
global
    nbthread 2
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
"""


def start(tollgate, cfg):
    """Starts tollgate and waits for its start-up line rather than probing
    the port, so that no probe connection is counted in the tables."""
    t = tollgate(cfg)
    t.wait_log("started")
    return t


def accepted(port):
    """One connection: True if the proxy forwarded it (the backend's tag
    came back), False if it was rejected (closed without data)."""
    try:
        return exchange(port, b"x").startswith(b"A:")
    except (ConnectionResetError, OSError):
        # rejected connections are closed at once, often with a reset
        return False


def test_conn_rate_limit_rejects_exactly_past_threshold(backend, tollgate):
    b = backend("A")
    port = free_port()
    start(tollgate, BASE + """
frontend fe
    bind 127.0.0.1:%d
    stick-table type ip size 100k expire 30s store conn_rate(10s),conn_cnt
    tcp-request connection track-sc0 src
    tcp-request connection reject if { sc_conn_rate(0) gt 5 }
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, b.port))
    results = [accepted(port) for _ in range(9)]
    assert results == [True] * 5 + [False] * 4, results


def test_conn_cur_limit(backend, tollgate):
    b = backend("A")
    port = free_port()
    start(tollgate, BASE + """
listen lb
    bind 127.0.0.1:%d
    stick-table type ip size 1k store conn_cur
    tcp-request connection track-sc0 src
    tcp-request connection reject if { sc0_conn_cur gt 2 }
    server a 127.0.0.1:%d
""" % (port, b.port))
    held = []
    for _ in range(2):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        assert s.recv(2) == b"A:"
        held.append(s)
    assert not accepted(port)          # a third concurrent one is refused
    held.pop().close()
    # conn_cur goes down when the connection ends, whatever the path
    wait_until(lambda: accepted(port), 5, "a slot after closing one connection")
    for s in held:
        s.close()


def test_table_only_backend_and_src_fetch(backend, tollgate):
    b = backend("A")
    port = free_port()
    start(tollgate, BASE + """
backend per_src
    stick-table type ip size 1k expire 1m store conn_cnt,gpc0
frontend fe
    bind 127.0.0.1:%d
    tcp-request connection track-sc1 src table per_src
    tcp-request connection sc-inc-gpc0(1) if { src_conn_cnt(per_src) ge 3 }
    tcp-request connection reject if { src_get_gpc0(per_src) gt 1 }
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, b.port))
    # conn_cnt 1, 2 pass; 3 bumps gpc0 to 1 (still passes); 4 bumps it to 2: rejected
    assert [accepted(port) for _ in range(5)] == [True, True, True, False, False]


def test_unknown_table_and_missing_table_are_config_errors(tmp_path):
    from conftest import run_check
    rc, out, _ = run_check("""
frontend fe
    bind :8080
    tcp-request connection track-sc0 src table nope
""", tmp_path, name="st.cfg")
    assert rc != 0 and "unknown table 'nope'" in out and "st.cfg:4" in out, out
    rc, out, _ = run_check("""
frontend fe
    bind :8080
    tcp-request connection track-sc0 src
""", tmp_path, name="st2.cfg")
    assert rc != 0 and "needs a table" in out, out
    rc, out, _ = run_check("""
frontend fe
    stick-table type ip size 1k store conn_rat(10s)
""", tmp_path, name="st3.cfg")
    assert rc != 0 and "st3.cfg:3" in out and "conn_rat" in out, out
    rc, out, _ = run_check("""
frontend fe
    bind :8080
    tcp-request connection track-sc7 src
""", tmp_path, name="st4.cfg")
    assert rc != 0 and "stick counter number must be from 0 to 2" in out, out


@pytest.mark.parametrize("store,words", [
    ("gpc(2),gpc0", ("'gpc' and 'gpc[0/1]'",)),
    ("gpc1 store gpc(1)", ("'gpc' and 'gpc[0/1]'",)),
    ("gpc_rate(2,10s),gpc0_rate(10s)", ("'gpc_rate' and 'gpc[0/1]_rate'",)),
    ("gpc1_rate(1s),gpc_rate(1,1s)", ("'gpc_rate' and 'gpc[0/1]_rate'",)),
    ("gpt(2),gpt0", ("'gpt' and 'gpt0'",)),
])
def test_array_with_the_types_it_overrides_is_refused_as_haproxy(tmp_path, store, words):
    """gpc(N) holds what gpc0/gpc1 would (HAProxy's fetches and actions of
    index 0 and 1 use either): a table storing both is refused, with the
    line, by tollgate -c as by haproxy -c."""
    from conftest import HAPROXY, run_check
    cfg = """
defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:%d
    stick-table type ip size 1k store %s
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (free_port(), store, free_port())
    for binary in (HAPROXY, None):
        rc, out, path = run_check(cfg, tmp_path, name="gpc.cfg", **({"binary": binary} if binary else {}))
        assert rc != 0, (binary, out)
        assert "[%s:9]" % path in out and "simultaneous usage of" in out, (binary, out)
        for w in words:
            assert w in out, (binary, out)
    # mixing counts and rates of both kinds is allowed, as in HAProxy
    ok = cfg.replace(store, "gpc(1),gpc0_rate(10s),gpt(1)")
    assert run_check(ok, tmp_path, name="ok.cfg")[0] == 0
    assert run_check(ok, tmp_path, name="ok.cfg", binary=HAPROXY)[0] == 0


def test_stick_on_src_persists_then_fails_over(backend, tollgate):
    a, b = backend("A"), backend("B")
    port = free_port()
    t = start(tollgate, BASE + """
backend be
    balance roundrobin
    stick-table type ip size 1k expire 10m
    stick on src
    server a 127.0.0.1:%d check inter 100 fall 1 rise 1
    server b 127.0.0.1:%d check inter 100 fall 1 rise 1
frontend fe
    bind 127.0.0.1:%d
    default_backend be
""" % (a.port, b.port, port))
    first = exchange(port, b"x")[:1]
    # every later connection from 127.0.0.1 sticks to the same server
    assert {exchange(port, b"x")[:1] for _ in range(10)} == {first}
    # that server dies: traffic moves to the other one, and sticks there
    dead, other = (a, b"B") if first == b"A" else (b, b"A")
    dead.stop()
    t.wait_log("is DOWN")
    assert {exchange(port, b"x")[:1] for _ in range(5)} == {other}
