"""A UDP `log <addr>` target that was away gets the next line once it is
back, as in HAProxy: the socket is not connected, so the ICMP "port
unreachable" a lost line earns is not reported on the next send (a
connected UDP socket fails that next send with ECONNREFUSED and the line
after the receiver's return was lost)."""
import socket

import pytest

from conftest import free_port, wait_port, wait_until

CFG = """
global
    log 127.0.0.1:%(seen)d local0
    log 127.0.0.1:%(away)d local0
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:%(port)d
    log global
    log-format "conn %%[dst_port]-%%[src_port]"
    tcp-request content reject
"""


def recv_all(s):
    got = []
    try:
        while True:
            got.append(s.recv(70000))
    except (socket.timeout, BlockingIOError):
        pass
    return got


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_udp_log_target_back_after_being_away(which, tollgate, haproxy):
    seen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    seen.bind(("127.0.0.1", 0))
    seen.settimeout(0.05)
    away = free_port()   # nobody listens there (UDP) until the test binds it
    port = free_port()
    start = tollgate if which == "tollgate" else haproxy
    start(CFG % {"seen": seen.getsockname()[1], "away": away, "port": port}, port=port)
    lines = []

    def connect_once():
        c = socket.create_connection(("127.0.0.1", port))
        src = c.getsockname()[1]
        c.close()
        return src

    # the readiness probe of the fixture may have logged: let it arrive
    src = connect_once()
    wait_until(lambda: lines.extend(recv_all(seen)) or any(b"-%d" % src in l for l in lines), 5,
               "a line on the target that is there")
    # one line to the absent target (lost; the kernel answers ICMP)
    src = connect_once()
    wait_until(lambda: lines.extend(recv_all(seen)) or any(b"-%d" % src in l for l in lines), 5,
               "the second line on the target that is there")
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.bind(("127.0.0.1", away))
    back.settimeout(5)
    src = connect_once()
    # the first line after its return reaches it
    got = back.recv(70000)
    assert b"-%d" % src in got, got
