"""Which defaults section a section inherits from, as HAProxy: a proxy
takes the last `defaults` section (named or not) or the one named with
`from`; a `defaults` section itself starts afresh unless it has `from`.
Observed through the mode: a `defaults` after a `mode http` one is mode
tcp again, so its proxies forward raw bytes. Compared with HAProxy 2.6."""
from conftest import Backend, exchange, free_port

CFG = """
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s

defaults plain
    timeout client 5s
    timeout server 5s
    timeout connect 2s

listen fresh
    bind 127.0.0.1:%(p1)d
    server s 127.0.0.1:%(be)d

defaults chained from plain

listen from_chain
    bind 127.0.0.1:%(p2)d
    server s 127.0.0.1:%(be)d
"""


def test_defaults_start_afresh(tollgate, haproxy):
    be = Backend("A")
    try:
        got = {}
        for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
            p1, p2 = free_port(), free_port()
            start(CFG % {"p1": p1, "p2": p2, "be": be.port}, port=p2)
            got[name] = (exchange(p1, b"raw bytes"), exchange(p2, b"raw bytes"))
        assert got["tollgate"] == (b"A:raw bytes", b"A:raw bytes")
        assert got["tollgate"] == got["haproxy"]
    finally:
        be.stop()
