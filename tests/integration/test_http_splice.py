"""mode http with `option splice-request` / `splice-response`: bodies of
known length (and close-delimited responses) go from socket to socket
through a pipe once their head is forwarded. The bytes must arrive intact,
keep-alive must go on after a spliced body, and `show stat` counts the
spliced bytes in the H1 module's h1_spliced_bytes_in/out columns, as
HAProxy (compared with 2.6, which has the same columns); `nosplice`
turns it off."""
import hashlib

import pytest

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until
from httpbackend import build, connect, read_response

BIG = bytes(range(256)) * 4096   # 1 MiB

CFG = ADMIN_GLOBAL + "%(glob)s" + HTTP_DEFAULTS + """
    option splice-request
    option splice-response
listen li
    bind 127.0.0.1:%(port)d
    server s1 127.0.0.1:%(bport)d
"""


def handler(req):
    if req.path == "/close":
        return b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + BIG
    return 200, [("X-Got", hashlib.sha1(req.body).hexdigest())], BIG


def spliced(sock):
    rows = [l.split(",") for l in admin_cli(sock, "show stat").splitlines() if l]
    head = rows[0]
    head[0] = head[0].lstrip("# ")
    out = {}
    for r in rows[1:]:
        if r[0] == "li" and r[1] in ("FRONTEND", "BACKEND"):
            d = dict(zip(head, r))
            out[r[1]] = (int(d["h1_spliced_bytes_in"]), int(d["h1_spliced_bytes_out"]))
    return out


def run(start, http_backend, tmp_path, glob=""):
    b = http_backend("A", handler)
    port = free_port()
    sock = str(tmp_path / ("s%d.sock" % port))
    start(CFG % {"sock": sock, "glob": glob, "port": port, "bport": b.port}, port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    with connect(port, timeout=10) as s:
        s.sendall(build("/post", method="POST", body=BIG))
        st, h, _, body = read_response(s)
        assert (st, h.get("x-got"), body == BIG) == (200, hashlib.sha1(BIG).hexdigest(), True)
        s.sendall(build("/again"))                      # keep-alive goes on
        st, _, _, body = read_response(s)
        assert (st, body == BIG) == (200, True)
    with connect(port, timeout=10) as s:
        s.sendall(build("/close"))
        st, h, _, body = read_response(s)
        assert (st, len(body), body == BIG) == (200, len(BIG), True)
    return spliced(sock)


def test_http_bodies_are_spliced_as_haproxy(tollgate, haproxy, http_backend, tmp_path):
    got = run(tollgate, http_backend, tmp_path)
    fe_in, fe_out = got["FRONTEND"]
    be_in, be_out = got["BACKEND"]
    # the request body from the client to the server, the responses back
    assert fe_in > 0 and be_out > 0 and be_in > 0 and fe_out > 0, got
    ref = run(haproxy, http_backend, tmp_path)
    assert all(v > 0 for v in ref["FRONTEND"] + ref["BACKEND"]), ref


def test_nosplice_copies(tollgate, http_backend, tmp_path):
    got = run(tollgate, http_backend, tmp_path, glob="    nosplice\n")
    assert got == {"FRONTEND": (0, 0), "BACKEND": (0, 0)}, got
