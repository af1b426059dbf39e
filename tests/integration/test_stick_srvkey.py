"""Stick tables shared by backends whose servers have other names: with
`srvkey addr` a key sticks to the server's address, so another backend
sends it to its own server at that address; with the default (`srvkey
name`) the name is looked up, then the id. Rules add `server_id` and
`server_key` to the table, as HAProxy does. Compared with HAProxy 2.6
(answers and `show table`)."""
import re

import pytest

from httpbackend import request

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    use_backend be2 if { req.hdr(x-be) 2 }
    default_backend be1

backend be1
    stick-table type string size 10 %(srvkey)s
    stick on req.hdr(x-k)
    server s1 127.0.0.1:%(a)d
    server s2 127.0.0.1:%(b)d

backend be2
    stick on req.hdr(x-k) table be1
    server t1 127.0.0.1:%(b)d
    server t2 127.0.0.1:%(a)d
"""


def run(start, tmp_path, tag, srvkey, a, b):
    sock = str(tmp_path / ("%s.sock" % tag))
    port = free_port()
    start(CFG % {"sock": sock, "port": port, "srvkey": srvkey, "a": a.port, "b": b.port}, port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    out = []
    for be in ("1", "2", "2"):
        _, _, _, body = request(port, ("GET / HTTP/1.1\r\nHost: x\r\nx-k: k1\r\nx-be: %s\r\n"
                                       "Connection: close\r\n\r\n" % be).encode())
        out.append(body)
    table = admin_cli(sock, "show table be1")
    # HAProxy 3.x prints each entry's shard, 2.6 does not
    table = re.sub(r"0x[0-9a-f]+:", "PTR:", table).replace(" shard=0", "").replace(str(a.port), "PA").replace(str(b.port), "PB")
    return out, table


@pytest.mark.parametrize("srvkey", ["srvkey addr", "srvkey name", ""])
def test_srvkey_matches_haproxy(tollgate, haproxy, http_backend, tmp_path, srvkey):
    a = http_backend("A")
    b = http_backend("B")
    got = run(tollgate, tmp_path, "t", srvkey, a, b)
    want = run(haproxy, tmp_path, "h", srvkey, a, b)
    assert got == want
    if srvkey == "srvkey addr":
        # be2 finds the server at the address be1 stored: t2, on A
        assert got[0] == [b"A GET /\n"] * 3
        # the last request stored be2's server: t2, at the same address
        assert "server_id=2 server_key=127.0.0.1:PA" in got[1]
    else:
        # no server named s1 in be2: its id 1 is t1, on B
        assert got[0] == [b"A GET /\n", b"B GET /\n", b"B GET /\n"]
        assert "server_id=1 server_key=t1" in got[1]
