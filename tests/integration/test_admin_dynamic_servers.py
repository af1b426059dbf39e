"""Admin socket: dynamic servers (`add server`, `del server`, with
`enable server` / `disable server`), through a real socket and real
traffic, compared with HAProxy 2.6 where 2.6 answers as HAProxy 3.x does.
Where 3.x changed the rule or the words (a static-rr backend's message,
`enabled` refused, `cookie` accepted), Tollgate follows 3.x and the test
says so."""
import socket
import threading

from httpbackend import connect, read_response
from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until

CFG = ADMIN_GLOBAL + """    nbthread 4
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be

backend be
    balance roundrobin

backend st
    balance static-rr

backend tc
    mode tcp
    balance leastconn
"""


def get(port, keep=None):
    """One HTTP/1.1 request; returns (status, body). With <keep>, a list,
    the socket stays open and is appended to it."""
    s = connect(port)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n%s\r\n" % (b"" if keep is not None else b"Connection: close\r\n"))
    status, _, _, body = read_response(s)
    if keep is not None:
        keep.append(s)
    else:
        s.close()
    return status, body


def state_cols(sock):
    """`show servers state be`: (name, id, addr, admin state, port) per server."""
    rows = []
    for line in admin_cli(sock, "show servers state be").splitlines()[2:]:
        f = line.split(" ")
        if len(f) > 18:
            rows.append((f[3], f[2], f[4], f[6], f[18]))
    return rows


def scenario(start, tmp_path, tag, b1, hold):
    sock = str(tmp_path / ("%s.sock" % tag))
    port = free_port()
    addr = "127.0.0.1:%d" % b1.port
    start(CFG % {"sock": sock, "port": port})
    wait_until(lambda: admin_ready(sock), what="admin socket")
    cli = lambda cmd: admin_cli(sock, cmd).strip()
    out = {}
    out["empty"] = get(port)[0]
    out["no_backend"] = cli("add server nosuch/s1 " + addr)
    out["no_slash"] = cli("add server be " + addr)
    out["no_addr"] = cli("add server be/s1")
    out["bad_name"] = cli("add server be/a/b " + addr)
    out["init_addr"] = cli("add server be/x " + addr + " init-addr last")
    out["resolvers"] = cli("add server be/x " + addr + " resolvers dns")
    out["tcp_proto"] = cli("add server tc/x " + addr + " proto h2")
    out["added"] = cli("add server be/s1 " + addr)
    out["dup"] = cli("add server be/s1 " + addr)
    out["added_id"] = cli("add server be/s9 " + addr + " id 9 weight 20")
    out["dup_id"] = cli("add server be/s10 " + addr + " id 9")
    out["state"] = state_cols(sock)
    out["maint"] = get(port)[0]          # created in maintenance
    out["enable"] = cli("enable server be/s1")
    out["served"] = get(port)
    out["del_running"] = cli("del server be/s1")
    # a request in flight holds the server
    hold.clear()
    b1.handler_block = True
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", get(port)))
    t.start()
    wait_until(lambda: b1.waiting > 0, what="request in flight")
    out["disable"] = cli("disable server be/s1")
    out["del_busy"] = cli("del server be/s1")
    hold.set()
    t.join(10)
    out["in_flight"] = box.get("r")
    wait_until(lambda: cli("del server be/s1") == "Server deleted.", what="deletion once idle")
    out["del_again"] = cli("del server be/s1")
    out["del_no_backend"] = cli("del server nosuch/s1")
    out["del_no_slash"] = cli("del server be")
    out["after"] = get(port)[0]
    out["state_after"] = state_cols(sock)
    out["readd"] = cli("add server be/s1 " + addr)
    out["readd_state"] = state_cols(sock)
    return out, sock, port


def test_add_del_server_match_haproxy(tollgate, haproxy, http_backend, tmp_path):
    hold = threading.Event()
    b1 = http_backend("A")
    orig = b1.handler
    b1.waiting = 0
    b1.handler_block = False

    def handler(req):
        if b1.handler_block:
            b1.waiting += 1
            hold.wait(10)
            b1.waiting -= 1
            b1.handler_block = False
        return orig(req)
    b1.handler = handler

    got, sock, port = scenario(tollgate, tmp_path, "t", b1, hold)
    want, _, _ = scenario(haproxy, tmp_path, "h", b1, hold)
    assert got == want
    assert got["empty"] == 503 and got["maint"] == 503 and got["after"] == 503
    assert got["served"] == (200, b"A GET /\n")
    assert got["in_flight"] == (200, b"A GET /\n")
    assert got["added"] == "New server registered."
    assert got["del_busy"] == "Server still has connections attached to it, cannot remove it."
    assert got["del_running"] == "Only servers in maintenance mode can be deleted."
    assert got["state"] == [("s1", "1", "127.0.0.1", "1", str(b1.port)), ("s9", "9", "127.0.0.1", "1", str(b1.port))]
    # the id freed by the deletion is taken again
    assert dict(r[:2] for r in got["readd_state"])["s1"] == "1"

    # HAProxy 3.x's rules and words, where 2.6 differs
    cli = lambda cmd: admin_cli(sock, cmd).strip()
    assert cli("add server st/x 127.0.0.1:1") == \
        "Backend does not support dynamic servers : backend 'st' uses a non dynamic load balancing method."
    assert cli("add server be/x 127.0.0.1:1 enabled") == "'enabled' option is not accepted for dynamic server"
    assert cli("add server be/c1 127.0.0.1:1 cookie c1") == "New server registered."
    assert cli("add server be/h 127.0.0.1:1 proto h2") == "New server registered."
    assert "not supported yet on a server added at runtime" in cli("add server be/k 127.0.0.1:1 check")
    assert cli("add server help").splitlines()[:2] == ["addr", "agent-addr"]


def test_add_del_under_traffic(tollgate, http_backend, tmp_path):
    """Servers added, enabled, disabled and removed in a loop while 4
    threads serve requests: every request is answered by a live server
    (a static one stays up), and the process survives (under the TSan
    build, `make test-tsan`, a race would kill it)."""
    b1 = http_backend("A")
    b2 = http_backend("B")
    sock = str(tmp_path / "t.sock")
    port = free_port()
    tollgate((CFG % {"sock": sock, "port": port}).replace(
        "backend be\n    balance roundrobin\n",
        "backend be\n    balance roundrobin\n    server s0 127.0.0.1:%d\n" % b1.port), port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    stop = threading.Event()
    bad = []
    count = [0]

    def client():
        while not stop.is_set():
            keep = []
            for _ in range(5):
                status, body = get(port, keep)
                count[0] += 1
                if status != 200 or body not in (b"A GET /\n", b"B GET /\n"):
                    bad.append((status, body))
            for s in keep:
                s.close()

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    deleted = 0
    try:
        for i in range(60):
            name = "d%d" % (i % 4)
            admin_cli(sock, "add server be/%s 127.0.0.1:%d" % (name, b2.port))
            admin_cli(sock, "enable server be/%s" % name)
            admin_cli(sock, "disable server be/%s" % name)
            if admin_cli(sock, "del server be/%s" % name).strip() == "Server deleted.":
                deleted += 1
    finally:
        stop.set()
        for t in threads:
            t.join(20)
    assert not bad
    assert count[0] > 50
    assert deleted > 0
    assert "Name:" in admin_cli(sock, "show info")
