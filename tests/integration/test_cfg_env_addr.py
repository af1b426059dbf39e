"""Environment variables in addresses: HAProxy expands them in any address
word, quoted or not (str2sa_range()), an unset one as an empty string, so
`log ${A}:${P}` with both unset is accepted. Compared with haproxy 2.6."""
import os
import socket

import pytest

from conftest import HAPROXY, exchange, free_port, run_check


def cfg(port, bport, logline):
    return """
global
    nbthread 1
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%d
    %s
    option tcplog
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, logline, bport)


def env_without(*names):
    env = dict(os.environ)
    for n in names:
        env.pop(n, None)
    return env


@pytest.mark.parametrize("logline,ok", [
    ("log ${TG_NOPE_A}:${TG_NOPE_P} daemon", True),     # both unset: any address, port 514
    ("log $TG_NOPE_A:$TG_NOPE_P daemon", True),
    ("log 127.0.0.1${TG_NOPE_A}:514 daemon", True),
    ("log ${TG_NOPE_A} daemon", False),                 # nothing left of the address
    ("log ${TG_NOPE_A}x:514 daemon", False),            # "x" is no address
])
def test_unset_variables_like_haproxy(tmp_path, logline, ok):
    env = env_without("TG_NOPE_A", "TG_NOPE_P")
    text = cfg(free_port(), free_port(), logline)
    rc_t, out_t, _ = run_check(text, tmp_path, env=env)
    rc_h, out_h, _ = run_check(text, tmp_path, name="h.cfg", env=env, binary=HAPROXY)
    assert (rc_t == 0) == ok, out_t
    assert (rc_h == 0) == ok, out_h
    if not ok:
        assert "t.cfg:11" in out_t and "'log'" in out_t, out_t


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_log_target_from_unquoted_variables(backend, tollgate, haproxy, which):
    b = backend("A")
    port = free_port()
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(5)
    env = dict(os.environ, TG_LOG_HOST="127.0.0.1", TG_LOG_PORT=str(sink.getsockname()[1]))
    start = tollgate if which == "tollgate" else haproxy
    start(cfg(port, b.port, "log ${TG_LOG_HOST}:${TG_LOG_PORT} local0"), port=port, env=env)
    exchange(port, b"xyz")
    lines = []
    while not any("fe be/a" in l for l in lines):
        lines.append(sink.recv(2048).decode())
    sink.close()
