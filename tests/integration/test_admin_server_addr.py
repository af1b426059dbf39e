"""Admin socket: `clear counters all`, `clear counters server`, and
`set server <b>/<s> addr <ip> [port <p>]`, compared with HAProxy 2.6 where
it has the command (2.6 has no `clear counters server`). The answers'
wording is HAProxy 3.x's (2.6 appended " by 'stats socket command'" and
said "no need to change the addr" where 3.x reports only what changed)."""
import socket

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be

backend be
    server s1 127.0.0.1:%(b1)d
    server s2 127.0.0.1:%(b1)d backup
"""


def get(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                return out
            out += d


def stot(sock, srv):
    for line in admin_cli(sock, "show stat").splitlines():
        f = line.split(",")
        if len(f) > 7 and f[0] == "be" and f[1] == srv:
            return int(f[7])
    raise AssertionError("no row for " + srv)


def scenario(start, tmp_path, tag, b1, b2):
    sock = str(tmp_path / ("%s.sock" % tag))
    port = free_port()
    start(CFG % {"sock": sock, "port": port, "b1": b1.port})
    wait_until(lambda: admin_ready(sock), what="admin socket")
    out = {}
    out["first"] = get(port).split(b"\r\n\r\n", 1)[1]
    out["stot_before"] = stot(sock, "s1")
    out["clear_all"] = admin_cli(sock, "clear counters all")
    out["stot_after"] = stot(sock, "s1")
    out["bad_addr"] = admin_cli(sock, "set server be/s1 addr not-an-ip")
    out["bad_port"] = admin_cli(sock, "set server be/s1 addr 127.0.0.1 port x")
    out["same"] = admin_cli(sock, "set server be/s1 addr 127.0.0.1 port %d" % b1.port)
    out["port_only"] = admin_cli(sock, "set server be/s1 addr 127.0.0.1 port %d" % b2.port).replace(str(b1.port), "P1").replace(str(b2.port), "P2")
    out["moved"] = get(port).split(b"\r\n\r\n", 1)[1]
    out["move"] = admin_cli(sock, "set server be/s1 addr 127.0.0.2 port %d" % b1.port).replace(str(b1.port), "P1").replace(str(b2.port), "P2")
    out["no_backend"] = admin_cli(sock, "set server nosuch/s1 addr 127.0.0.1")
    return out, sock


def test_clear_counters_and_set_server_addr_match_haproxy(tollgate, haproxy, http_backend, tmp_path):
    b1 = http_backend("A")
    b2 = http_backend("B")
    got, sock = scenario(tollgate, tmp_path, "t", b1, b2)
    want, _ = scenario(haproxy, tmp_path, "h", b1, b2)
    for k in want:
        if isinstance(want[k], str):
            want[k] = want[k].replace(" by 'stats socket command'", "")
    # 3.x's wording where 2.6's differs
    assert got.pop("same") == "nothing changed\n\n"
    assert got.pop("bad_port") == "problem converting port 'x' to an int\n\n"
    assert got.pop("port_only") == "port changed from 'P1' to 'P2'\n\n"
    for k in ("same", "bad_port", "port_only"):
        want.pop(k)
    assert got == want
    assert got["first"] == b"A GET /\n" and got["moved"] == b"B GET /\n"
    assert got["stot_before"] == 1 and got["stot_after"] == 0
    assert got["move"].strip() == "IP changed from '127.0.0.1' to '127.0.0.2', port changed from 'P2' to 'P1'"

    # 2.6 has no per-server form: tollgate against HAProxy 3.x's answers
    assert stot(sock, "s1") == 1   # the "moved" request
    assert admin_cli(sock, "clear counters server nosuch/s1").strip() == "No such backend."
    assert admin_cli(sock, "clear counters server be/nosuch").strip() == "No such server."
    assert admin_cli(sock, "clear counters server be/s1").strip() == "Server counters cleared."
    assert stot(sock, "s1") == 0
