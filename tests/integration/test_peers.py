"""Peers: stick-table replication with HAProxy's peers protocol.

Tollgate nodes replicate between themselves (a mesh of three, a restarted
node relearning everything, conn_cur staying local), with Debian's HAProxy
2.6 in both directions (ip and string keys, counters and rates), the
configuration is checked like HAProxy checks it, hostile peers are cut off
with a log line, and `show peers` has HAProxy's layout.
"""
import re
import socket
import struct
import time

import pytest

from conftest import (HAPROXY, admin_cli, admin_ready, free_port, run_check, tcp_admin_head, wait_port,
                      wait_until)


def node_cfg(name, peers, fe_port, sock, table="stick-table type ip size 1k expire 60s "
             "store http_req_cnt,http_req_rate(10s),gpc0,conn_cur peers mesh",
             track="http-request track-sc0 src table stkt", extra="", lines=None):
    """One node: an HTTP frontend tracking into `stkt`, shared with <peers>
    ({name: port}) through `peer` lines, or the section's <lines>."""
    if lines is None:
        lines = "\n".join("    peer %s 127.0.0.1:%d" % (n, p) for n, p in peers.items())
    return """
global
    stats socket %s level admin
defaults
    mode http
    timeout client 5s
    timeout connect 5s
    timeout server 5s
peers mesh
%s
%s
backend stkt
    %s
frontend fe
    bind 127.0.0.1:%d
    %s
    http-request return status 200
""" % (sock, lines, extra, table, fe_port, track)


def get(port, path="/", src="127.0.0.1", headers=""):
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(src, 0)) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n" % (path, headers)).encode())
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    assert data.startswith(b"HTTP/1.1 200"), data


def entry(sock, table, key):
    """The `show table` line of <key> in <table> on the node of <sock>, or None."""
    out = admin_cli(sock, "show table %s" % table)
    for line in out.splitlines():
        if (" key=%s " % key) in line:
            return line
    return None


def field(line, name):
    m = re.search(r" %s=(\d+)" % re.escape(name), line or "")
    return int(m.group(1)) if m else None


def wait_field(sock, table, key, name, want, timeout=3.0):
    wait_until(lambda: field(entry(sock, table, key), name) == want, timeout,
               "%s=%s for %s in %s on %s (last: %r)" % (name, want, key, table, sock,
                                                      entry(sock, table, key)))


@pytest.fixture
def mesh(tmp_path, tollgate):
    """mesh(names) -> {name: (process, fe_port, sock, peer_port, cfg)} for a
    full mesh of Tollgate nodes; start(name) (re)starts one."""
    def make(names, **kw):
        ports = {n: free_port() for n in names}
        nodes = {}
        for n in names:
            fe = free_port()
            sock = str(tmp_path / ("%s.sock" % n))
            nodes[n] = [None, fe, sock, ports[n], node_cfg(n, ports, fe, sock, **kw)]

        def start(n):
            nd = nodes[n]
            nd[0] = tollgate(nd[4], port=nd[1], args=("-L", n), name="%s.cfg" % n)
            wait_until(lambda: admin_ready(nd[2]), 5, "admin socket of %s" % n)
            return nd[0]
        for n in names:
            start(n)
        return nodes, start
    return make


def synced(sock):
    """The node of <sock> finished learning its initial resync."""
    return "resync_timeout=<PAST>" in admin_cli(sock, "show peers")


def established(sock, peer):
    out = admin_cli(sock, "show peers")
    return re.search(r"id=%s\(remote,active\).*last_status=ESTA" % peer, out) is not None


# ---- Tollgate <-> Tollgate ----

def test_mesh_of_three_replicates_within_a_second(mesh):
    nodes, _ = mesh(["A", "B", "C"])
    for n in "ABC":
        for o in "ABC":
            if o != n:
                wait_until(lambda: established(nodes[n][2], o), 5, "%s connected to %s" % (n, o))
        # a fleet starting together: each answers the others a partial resync
        wait_until(lambda: synced(nodes[n][2]), 3, "%s resynced" % n)
    get(nodes["A"][1], src="127.0.0.2")
    get(nodes["A"][1], src="127.0.0.2")
    get(nodes["B"][1], src="127.0.0.3")
    t0 = time.monotonic()
    for n in "BC":
        wait_field(nodes[n][2], "stkt", "127.0.0.2", "http_req_cnt", 2, timeout=1.0)
        assert field(entry(nodes[n][2], "stkt", "127.0.0.2"), "http_req_rate(10000)") == 2
    for n in "AC":
        wait_field(nodes[n][2], "stkt", "127.0.0.3", "http_req_cnt", 1, timeout=1.0)
    assert time.monotonic() - t0 < 1.5
    # changes made on a node that learned a key go back to the others
    get(nodes["C"][1], src="127.0.0.2")
    for n in "AB":
        wait_field(nodes[n][2], "stkt", "127.0.0.2", "http_req_cnt", 3, timeout=1.0)



def test_restarted_node_gets_a_full_resync(mesh):
    nodes, start = mesh(["A", "B"])
    wait_until(lambda: established(nodes["A"][2], "B"), 5, "A connected to B")
    for i in range(2, 12):
        get(nodes["A"][1], src="127.0.0.%d" % i)
    get(nodes["B"][1], src="127.0.1.1")
    wait_field(nodes["A"][2], "stkt", "127.0.1.1", "http_req_cnt", 1)
    nodes["A"][0].kill()
    start("A")
    # nothing new is sent: A learns everything, its own keys included, from B
    for i in range(2, 12):
        wait_field(nodes["A"][2], "stkt", "127.0.0.%d" % i, "http_req_cnt", 1, timeout=6)
    wait_field(nodes["A"][2], "stkt", "127.0.1.1", "http_req_cnt", 1)
    nodes["A"][0].wait_log("resync learned from 'B'")


def test_conn_cur_stays_local(tmp_path, tollgate, backend):
    be = backend("A")
    pa, pb, fa, fb = free_port(), free_port(), free_port(), free_port()
    socks = {n: str(tmp_path / ("%s.sock" % n)) for n in "AB"}
    cfg = """
global
    stats socket %s level admin
defaults
    mode tcp
    timeout client 5s
    timeout connect 5s
    timeout server 5s
peers mesh
    peer A 127.0.0.1:%d
    peer B 127.0.0.1:%d
backend stkt
    stick-table type ip size 1k expire 60s store conn_cur,conn_cnt peers mesh
frontend fe
    bind 127.0.0.1:%d
    tcp-request connection track-sc0 src table stkt
    default_backend be
backend be
    server s1 127.0.0.1:%d
"""
    a = tollgate(cfg % (socks["A"], pa, pb, fa, be.port), port=fa, args=("-L", "A"), name="A.cfg")
    # B only learns: its own tracking would change the same key
    tollgate((cfg % (socks["B"], pa, pb, fb, be.port)).replace("    tcp-request connection track-sc0 src table stkt\n", ""),
             port=fb, args=("-L", "B"), name="B.cfg")
    wait_until(lambda: established(socks["A"], "B"), 5, "A connected to B")
    wait_field(socks["A"], "stkt", "127.0.0.1", "conn_cnt", 1)   # the probe of the port
    held = socket.create_connection(("127.0.0.1", fa), timeout=5)
    try:
        wait_field(socks["A"], "stkt", "127.0.0.1", "conn_cur", 1)
        # another connection changes the entry while conn_cur is 1 or 2:
        # the update B receives carries it, and B keeps its own 0
        socket.create_connection(("127.0.0.1", fa), timeout=5).close()
        wait_field(socks["B"], "stkt", "127.0.0.1", "conn_cnt", 3)
        assert field(entry(socks["B"], "stkt", "127.0.0.1"), "conn_cur") == 0
    finally:
        held.close()
    assert a.proc.poll() is None


# ---- Tollgate <-> HAProxy 2.6 ----

def mixed_cfg(sock, fe, peers):
    """A node for the HAProxy tests: node_cfg() plus a string table declared
    in the peers section (sent as "/strtab", as HAProxy names it)."""
    return node_cfg(None, peers, fe, sock,
                    table="stick-table type ip size 1k expire 60s store "
                          "http_req_cnt,http_req_rate(10s),gpc0 peers mesh",
                    track="http-request track-sc0 src table stkt\n"
                          "    http-request track-sc1 path table mesh/strtab\n"
                          "    http-request sc-inc-gpc0(1)",
                    extra="    table strtab type string len 32 size 1k expire 60s store http_req_cnt,gpc0")


def mixed_pair(tmp_path, tollgate, haproxy):
    """Tollgate "T" and HAProxy "H" in one section, connected; returns
    (tollgate process, its frontend port, its socket, HAProxy's frontend
    port, its socket, the peers' ports)."""
    pt, ph, ft, fh = free_port(), free_port(), free_port(), free_port()
    peers = {"T": pt, "H": ph}
    st, sh = str(tmp_path / "t.sock"), str(tmp_path / "h.sock")
    t = tollgate(mixed_cfg(st, ft, peers), port=ft, args=("-L", "T"), name="t.cfg")
    haproxy(mixed_cfg(sh, fh, peers), port=fh, args=("-L", "H"), name="h.cfg")
    wait_until(lambda: admin_ready(sh) and admin_ready(st), 5, "the admin sockets")
    wait_until(lambda: established(st, "H"), 8, "tollgate connected to haproxy")
    return t, ft, st, fh, sh, peers


def test_with_haproxy_both_directions(tmp_path, tollgate, haproxy):
    t, ft, st, fh, sh, _ = mixed_pair(tmp_path, tollgate, haproxy)
    # Tollgate -> HAProxy: ip key with counter and rate, string key in a peers-section table
    get(ft, "/from-tollgate", src="127.0.0.2")
    get(ft, "/from-tollgate", src="127.0.0.2")
    wait_field(sh, "stkt", "127.0.0.2", "http_req_cnt", 2)
    assert field(entry(sh, "stkt", "127.0.0.2"), "http_req_rate(10000)") == 2
    wait_field(sh, "mesh/strtab", "/from-tollgate", "gpc0", 2)
    # HAProxy -> Tollgate
    get(fh, "/from-haproxy", src="127.0.0.3")
    wait_field(st, "stkt", "127.0.0.3", "http_req_cnt", 1)
    assert field(entry(st, "stkt", "127.0.0.3"), "http_req_rate(10000)") == 1
    wait_field(st, "mesh/strtab", "/from-haproxy", "gpc0", 1)
    # a key changed on both sides converges
    get(fh, "/from-tollgate", src="127.0.0.2")
    wait_field(st, "mesh/strtab", "/from-tollgate", "gpc0", 3)
    wait_field(st, "stkt", "127.0.0.2", "http_req_cnt", 3)
    assert "proto_err=0" in admin_cli(st, "show peers")
    assert t.proc.poll() is None


def test_tollgate_restarted_learns_from_haproxy(tmp_path, tollgate, haproxy):
    pt, ph, ft, fh = free_port(), free_port(), free_port(), free_port()
    peers = {"T": pt, "H": ph}
    st, sh = str(tmp_path / "t.sock"), str(tmp_path / "h.sock")
    haproxy(mixed_cfg(sh, fh, peers), port=fh, args=("-L", "H"), name="h.cfg")
    get(fh, "/learned", src="127.0.0.4")
    get(fh, "/learned", src="127.0.0.4")
    tollgate(mixed_cfg(st, ft, peers), port=ft, args=("-L", "T"), name="t.cfg")
    wait_until(lambda: admin_ready(st), 5, "tollgate's admin socket")
    wait_field(st, "stkt", "127.0.0.4", "http_req_cnt", 2, timeout=8)
    wait_field(st, "mesh/strtab", "/learned", "gpc0", 2)


# ---- Configuration ----

GOOD = """
global
    localpeer me
defaults
    timeout client 5s
    timeout connect 5s
    timeout server 5s
peers p1
    peer me 127.0.0.1:%d
    peer other 127.0.0.1:%d%s
    table t1 type ip size 1k expire 1m store conn_cnt,http_req_rate(10s)
peers p2
    bind 127.0.0.1:%d
    server me
    server other 127.0.0.1:%d
    disabled
backend b1
    stick-table type string len 16 size 1k peers p2
frontend fe
    bind 127.0.0.1:%d
    tcp-request connection track-sc0 src table p1/t1
    default_backend b1
"""


def test_config_accepted_like_haproxy(tmp_path):
    ports = [free_port() for _ in range(5)]
    cfg = GOOD % (ports[0], ports[1], "", ports[2], ports[3], ports[4])
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc == 0, out
    rc, out, _ = run_check(cfg, tmp_path, name="h.cfg", binary=HAPROXY)
    assert rc == 0, out
    # keywords of later HAProxy versions (2.8: shard/shards; 3.x: timeout connect)
    cfg = GOOD % (ports[0], ports[1], " shard 1\n    shards 2\n    timeout connect 2s\n"
                  "    default-server shard 0", ports[2], ports[3], ports[4])
    rc, out, _ = run_check(cfg, tmp_path, name="later.cfg")
    assert rc == 0, out


@pytest.mark.parametrize("bad,where,msg,haproxy_too", [
    ("peers p\n    peer a 127.0.0.1:1\n    bind 127.0.0.1:2\n", 3, "mixing", True),
    ("peers p\n    bind 127.0.0.1:2\n    peer a 127.0.0.1:1\n", 3, "mixing", True),
    ("peers p\n    peer a 127.0.0.1:1\n    timeout client 1s\n", 3, "timeout", True),
    ("peers p\n    peer a 127.0.0.1:1\n    table t type nosuch size 1k\n", 3, "table t", True),
    ("peers p\n    peer a 127.0.0.1:1\n    frobnicate\n", 3, "frobnicate", True),
    ("backend b\n    stick-table type ip size 1k peers nosuch\n", 2, "nosuch", True),
    # 2.6 accepts a peer line without address and then cannot use it
    ("peers p\n    peer a\n", 2, "address", False),
])
def test_config_errors_name_file_and_line(tmp_path, bad, where, msg, haproxy_too):
    cfg = "global\n    localpeer a\n" + bad
    rc, out, path = run_check(cfg, tmp_path)
    assert rc != 0
    assert "[%s:%d]" % (path, where + 2) in out and msg in out, out
    if haproxy_too:
        rc, out, _ = run_check(cfg, tmp_path, name="h.cfg", binary=HAPROXY)
        assert rc != 0, out


def test_cmdline_local_peer_wins_over_localpeer(tmp_path, tollgate):
    pa, pb, fe = free_port(), free_port(), free_port()
    cfg = """
global
    localpeer B
defaults
    timeout client 5s
    timeout connect 5s
    timeout server 5s
peers p
    peer A 127.0.0.1:%d
    peer B 127.0.0.1:%d
frontend fe
    bind 127.0.0.1:%d
""" % (pa, pb, fe)
    tollgate(cfg, port=fe, args=("-L", "A"))
    wait_port(pa)       # listening as A, not as B


# ---- Hostile peers ----

def hostile_node(tmp_path, tollgate):
    pa, pb, fe = free_port(), free_port(), free_port()
    sock = str(tmp_path / "a.sock")
    t = tollgate(node_cfg("A", {"A": pa, "B": pb}, fe, sock), port=fe, args=("-L", "A"))
    wait_port(pa)
    wait_until(lambda: admin_ready(sock), 5, "the admin socket")
    return t, pa, sock


def handshake(port, hello=b"HAProxyS 2.1\nA\nB 1234 1\n"):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(hello)
    status = b""
    while not status.endswith(b"\n"):
        d = s.recv(1)
        if not d:
            break
        status += d
    return s, status


def closed(s):
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


@pytest.mark.parametrize("hello,status", [
    (b"HTTP/1.0 200\nA\nB 1 1\n", b"501\n"),
    (b"HAProxyS 3.0\nA\nB 1 1\n", b"502\n"),
    (b"HAProxyS 2.1\nZ\nB 1 1\n", b"503\n"),
    (b"HAProxyS 2.1\nA\nstranger 1 1\n", b"504\n"),
])
def test_handshake_refusals(tmp_path, tollgate, hello, status):
    t, pa, _ = hostile_node(tmp_path, tollgate)
    s, got = handshake(pa, hello)
    assert got == status
    assert closed(s)
    t.wait_log("refused with status %s" % status.decode().strip())


@pytest.mark.parametrize("payload,reason", [
    (b"\x07\x00", "unknown message class 7 type 0"),
    (b"\x0a\x99\x00", "unknown message class 10 type 153"),
    (b"\x0a\x82\xff\xff\xff\xff\x0f", "message over"),
    (b"\x0a\x82\x03\x01\x09a", "malformed table definition"),
    (b"\x0a\x82\x0a\x01\x04stkt\x06\x21\x00\x00", "table definition of 'stkt' does not match"),
])
def test_hostile_messages_close_the_link(tmp_path, tollgate, payload, reason):
    t, pa, sock = hostile_node(tmp_path, tollgate)
    s, got = handshake(pa)
    assert got == b"200\n"
    s.sendall(payload)
    assert closed(s)
    t.wait_log("Peer 'B' (peers 'mesh') disconnected: %s" % reason)
    # the line names the address the bytes came from
    assert re.search(r"disconnected: %s.* \(address 127\.0\.0\.1:%d\)\.\n" % (re.escape(reason), s.getsockname()[1]),
                     t.output()), t.output()
    assert t.proc.poll() is None
    assert re.search(r"id=B\(remote,\w+\).*\n.*proto_err=1", admin_cli(sock, "show peers"))


def test_truncated_update_then_close_is_harmless(tmp_path, tollgate):
    t, pa, sock = hostile_node(tmp_path, tollgate)
    s, got = handshake(pa)
    assert got == b"200\n"
    s.sendall(b"\x0a\x80\x20\x00\x00")     # a 32-byte update, 2 bytes sent
    s.close()
    t.wait_log("Peer 'B' (peers 'mesh') disconnected: ")
    assert "used:0" in admin_cli(sock, "show table stkt")


def test_silent_peer_gets_heartbeats_then_is_declared_dead(tmp_path, tollgate):
    t, pa, sock = hostile_node(tmp_path, tollgate)
    s, got = handshake(pa)
    assert got == b"200\n"
    s.settimeout(15)
    data = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except ConnectionResetError:
        pass
    s.close()
    # a resync request, then heartbeats every 3 s, then the close
    assert data.startswith(b"\x00\x00"), data
    assert data.count(b"\x00\x04") >= 1, data
    t.wait_log("Peer 'B' (peers 'mesh') disconnected: no message for 5 seconds (dead peer)")
    assert re.search(r"no_hbt=1", admin_cli(sock, "show peers"))


def test_show_peers_layout(tmp_path, tollgate):
    t, pa, sock = hostile_node(tmp_path, tollgate)
    wait_until(lambda: admin_ready(sock), 5, "the admin socket")
    out = admin_cli(sock, "show peers")
    assert re.match(r"0x[0-9a-f]+: \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\] id=mesh disabled=0 flags=0x\d+ "
                    r"resync_timeout=\S+ task_calls=\d+\n", out), out
    assert re.search(r"\n  0x[0-9a-f]+: id=A\(local,inactive\) addr=127\.0\.0\.1:%d last_status=NONE "
                     r"last_hdshk=<NEVER>\n        reconnect=<NEVER> " % pa, out), out
    assert re.search(r"\n  0x[0-9a-f]+: id=B\(remote,inactive\) addr=127\.0\.0\.1:\d+ last_status=\w+ ", out), out
    assert "shared tables:" in out and "id=stkt" in out
    assert admin_cli(sock, "show peers nosuch").startswith("No such peers\n")


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_stick_rule_on_peers_section_table_stores_server_id(tmp_path, tollgate, haproxy, backend, which):
    be = backend("A")
    pp, fe = free_port(), free_port()
    sock = str(tmp_path / ("%s.sock" % which))
    cfg = """
global
    stats socket %s level admin
defaults
    mode tcp
    timeout client 5s
    timeout connect 5s
    timeout server 5s
peers p
    bind 127.0.0.1:%d
    server A
    table t type ip size 1k
listen fe
    bind 127.0.0.1:%d
    stick on src table p/t
    server s1 127.0.0.1:%d
""" % (sock, pp, fe, be.port)
    (tollgate if which == "tollgate" else haproxy)(cfg, port=fe, args=("-L", "A"))
    wait_until(lambda: admin_ready(sock), 5, "the admin socket")
    socket.create_connection(("127.0.0.1", fe), timeout=5).close()
    wait_until(lambda: "server_id=1" in admin_cli(sock, "show table p/t"), 3,
               "server_id stored in p/t: %s" % admin_cli(sock, "show table p/t"))


DICT_CFG = """
peers p
    peer T 127.0.0.1:%(T)d
    peer H1 127.0.0.1:%(H1)d
    peer H2 127.0.0.1:%(H2)d
    table t type ip size 1k expire 60s
listen fe
    bind 127.0.0.1:%(fe)d
    balance roundrobin
    stick on src table p/t
    server %(prefix)s1 127.0.0.1:%(be)d
    server %(prefix)s2 127.0.0.1:%(be)d
"""


def stick(port, src):
    """A TCP connection from <src> through the frontend on <port>, answered
    by the server (its stick rule stores the server)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(src, 0)) as s:
        s.sendall(b"x")
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass


def test_server_key_dictionary_cache_with_haproxy(tmp_path, tollgate, haproxy, backend):
    """server_key travels with HAProxy's dictionary cache: a value once,
    then its cache id alone, per connection and direction. Tollgate sends
    ids that HAProxy resolves; two HAProxy nodes each numbering their own
    values do not mix theirs up on Tollgate."""
    be = backend("A")
    ports = {n: free_port() for n in ("T", "H1", "H2")}
    nodes = {}
    for n, prefix in (("T", "t"), ("H1", "a"), ("H2", "b")):
        fe, sock = free_port(), str(tmp_path / ("%s.sock" % n))
        text = tcp_admin_head(sock) + DICT_CFG % dict(ports, fe=fe, be=be.port, prefix=prefix)
        (tollgate if n == "T" else haproxy)(text, port=fe, args=("-L", n), name="%s.cfg" % n)
        wait_until(lambda: admin_ready(sock), 5, "admin socket of %s" % n)
        nodes[n] = (fe, sock)
    wait_until(lambda: established(nodes["T"][1], "H1") and established(nodes["T"][1], "H2"), 8,
               "T connected to H1 and H2")

    def key(sock, src):
        return re.search(r"server_key=(\S+)", entry(sock, "p/t", src) or "")

    # Tollgate -> HAProxy: t1, t2, t1, t2...: the repeats are ids alone
    srcs = ["127.0.1.%d" % i for i in range(1, 7)]
    for src in srcs:
        stick(nodes["T"][0], src)
    want = {src: key(nodes["T"][1], src).group(1) for src in srcs}
    assert sorted(set(want.values())) == ["t1", "t2"], want
    for h in ("H1", "H2"):
        wait_until(lambda: all((key(nodes[h][1], s) or [None, None])[1] == want[s] for s in srcs), 5,
                   "the server keys on %s: %s" % (h, admin_cli(nodes[h][1], "show table p/t")))
    # HAProxy -> Tollgate: H1 and H2 number their own values (a1, a2 and
    # b1, b2: ids 1 and 2 on both links); their repeats come as ids alone
    sent = [("H1", "127.0.2.1"), ("H2", "127.0.2.2"), ("H1", "127.0.2.3"), ("H2", "127.0.2.4"),
            ("H1", "127.0.2.5"), ("H2", "127.0.2.6")]
    for h, src in sent:
        stick(nodes[h][0], src)
    want = {src: key(nodes[h][1], src).group(1) for h, src in sent}
    assert {v[0] for v in want.values()} == {"a", "b"}, want
    wait_until(lambda: all(key(nodes["T"][1], s) is not None for s in want), 5, "the keys on T")
    got = {s: key(nodes["T"][1], s).group(1) for s in want}
    assert got == want
