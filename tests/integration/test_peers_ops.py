"""Peers in operation: the per-peer figures of `show peers` and of the
Prometheus exporter (Tollgate's own haproxy_peer_* families), and a
partition between two nodes that heals with the changes made on each side
meanwhile converging.

HAProxy 2.6 has neither the figures (its `show peers` has no lag, its
exporter no peer family) nor anything to compare a partition with, so
these run Tollgate alone.
"""
import re
import socket
import statistics
import threading
import time
import urllib.request

from conftest import admin_cli, admin_ready, free_port, wait_until
from test_peers import entry, established, field, get, handshake, mesh, node_cfg, wait_field  # noqa: F401 (mesh: a fixture)

PROMEX = ("http-request use-service prometheus-exporter if { path /metrics }\n"
          "    http-request track-sc0 src table stkt")


def metrics(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics?scope=peer" % port, timeout=5) as r:
        return r.read().decode()


def series(text, name, **labels):
    """The value of series <name> whose labels include <labels>, or None."""
    for line in text.splitlines():
        m = re.match(r"(\w+)\{(.*)\} (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return None


def peer_block(sock, peer):
    """The `show peers` block of <peer> (up to the next peer or the end)."""
    out = admin_cli(sock, "show peers")
    m = re.search(r"id=%s\(remote,.*?(?=\n  0x|\n\n|\Z)" % peer, out, re.S)
    return m.group(0) if m else ""


def test_figures_in_show_peers_and_prometheus(mesh):
    nodes, start = mesh(["A", "B"], track=PROMEX)
    a, b = nodes["A"], nodes["B"]
    wait_until(lambda: established(a[2], "B"), 5, "A connected to B")
    for i in range(2, 5):
        get(a[1], src="127.0.0.%d" % i)
    wait_field(b[2], "stkt", "127.0.0.4", "http_req_cnt", 1)
    get(b[1], src="127.0.1.1")
    wait_field(a[2], "stkt", "127.0.1.1", "http_req_cnt", 1)
    # B acknowledged everything: no lag left
    wait_until(lambda: "lag=0 lag_ms=0" in peer_block(a[2], "B"), 3, "A's lag to B back to 0")
    blk = peer_block(a[2], "B")
    # a key may go in two pushes (created, then counted); both nodes starting
    # together may collide once (one connection replaces the other)
    rec0 = field(blk, "reconnects")
    assert rec0 in (0, 1), blk
    assert field(blk, "tx_updates") >= 3 and field(blk, "rx_updates") >= 1, blk
    m = metrics(a[1])
    lb = dict(peers="mesh", peer="B")
    assert series(m, "haproxy_peer_connected", **lb) == 1
    assert series(m, "haproxy_peer_last_status", state="ESTA", **lb) == 1
    assert series(m, "haproxy_peer_last_status", state="CONN", **lb) == 0
    assert series(m, "haproxy_peer_last_hello_seconds", **lb) is not None
    assert series(m, "haproxy_peer_reconnects_total", **lb) == rec0
    assert series(m, "haproxy_peer_protocol_errors_total", **lb) == 0
    assert series(m, "haproxy_peer_updates_sent_total", table="stkt", **lb) == field(blk, "tx_updates")
    assert series(m, "haproxy_peer_updates_received_total", table="stkt", **lb) == field(blk, "rx_updates")
    assert series(m, "haproxy_peer_last_acked", table="stkt", **lb) == field(blk, "update")
    assert series(m, "haproxy_peer_lag_updates", table="stkt", **lb) == 0
    assert series(m, "haproxy_peer_lag_seconds", table="stkt", **lb) == 0
    assert "# TYPE haproxy_peer_reconnects_total counter" in m
    assert series(m, "haproxy_peer_connected", peer="A") is None    # the local peer has none
    # B restarts: one reconnection, counted on A
    b[0].kill()
    wait_until(lambda: series(metrics(a[1]), "haproxy_peer_connected", **lb) == 0, 6, "A sees B gone")
    start("B")
    wait_until(lambda: established(a[2], "B"), 10, "A reconnected to B")
    wait_until(lambda: series(metrics(a[1]), "haproxy_peer_reconnects_total", **lb) >= rec0 + 1, 3,
               "a reconnection counted on A")
    assert field(peer_block(a[2], "B"), "reconnects") >= rec0 + 1


def test_lag_of_a_peer_that_never_acknowledges(tmp_path, tollgate):
    pa, pb, fe = free_port(), free_port(), free_port()
    sock = str(tmp_path / "a.sock")
    tollgate(node_cfg("A", {"A": pa, "B": pb}, fe, sock), port=fe, args=("-L", "A"))
    wait_until(lambda: admin_ready(sock), 5, "the admin socket")
    s, got = handshake(pa)      # we are B, and will never acknowledge
    assert got == b"200\n"
    wait_until(lambda: established(sock, "B"), 3, "A sees B")
    for i in range(2, 6):
        get(fe, src="127.0.0.%d" % i)
    wait_until(lambda: (field(peer_block(sock, "B"), "lag") or 0) >= 4, 3,
               "a lag of 4 updates or more: %s" % peer_block(sock, "B"))
    first = field(peer_block(sock, "B"), "lag_ms")
    wait_until(lambda: field(peer_block(sock, "B"), "lag_ms") >= first + 300, 3, "lag_ms growing")
    s.close()


def test_lag_counts_changes_not_sent_yet(tmp_path, tollgate):
    """B is down: what A counts meanwhile is B's lag (as HAProxy's
    localupdate - last_pushed), until B comes and acknowledges it."""
    pa, pb, fa, fb = free_port(), free_port(), free_port(), free_port()
    sa, sb = str(tmp_path / "a.sock"), str(tmp_path / "b.sock")
    tollgate(node_cfg("A", {"A": pa, "B": pb}, fa, sa), port=fa, args=("-L", "A"), name="a.cfg")
    wait_until(lambda: admin_ready(sa), 5, "the admin socket")
    for i in range(2, 5):
        get(fa, src="127.0.0.%d" % i)
    blk = peer_block(sa, "B")
    assert "(remote,inactive)" in blk, blk
    assert field(blk, "lag") == 3, blk
    assert field(blk, "localupdate") - field(blk, "commitupdate") == 3, blk
    assert field(blk, "refcnt") == 1, blk
    tollgate(node_cfg("B", {"A": pa, "B": pb}, fb, sb), port=fb, args=("-L", "B"), name="b.cfg")
    wait_field(sb, "stkt", "127.0.0.4", "http_req_cnt", 1, timeout=8)
    wait_until(lambda: field(peer_block(sa, "B"), "lag") == 0, 3, "A's lag to B back to 0")
    blk = peer_block(sa, "B")
    assert field(blk, "localupdate") == field(blk, "commitupdate") == field(blk, "last_pushed"), blk


class Relay:
    """A TCP relay from a port of its own to <target>, which can be cut
    (every relayed connection reset, new ones refused) and healed."""

    def __init__(self, target):
        self.target = target
        self.port = free_port()
        self.conns = []
        self.lock = threading.Lock()
        self.ls = None
        self.heal()

    def heal(self):
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(16)
        self.ls = ls
        threading.Thread(target=self._accept, args=(ls,), daemon=True).start()

    def cut(self):
        self.ls.shutdown(socket.SHUT_RDWR)    # wakes the accept() (Linux), frees the port
        self.ls.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.conns = []

    def _accept(self, ls):
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                c.close()
                continue
            u.settimeout(None)
            with self.lock:
                self.conns += [c, u]
            for x, y in ((c, u), (u, c)):
                threading.Thread(target=self._pipe, args=(x, y), daemon=True).start()

    @staticmethod
    def _pipe(x, y):
        try:
            while True:
                d = x.recv(65536)
                if not d:
                    break
                y.sendall(d)
        except OSError:
            pass
        for s in (x, y):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def test_partition_heals_and_both_sides_converge(tmp_path, tollgate):
    pa, pb, fa, fb = free_port(), free_port(), free_port(), free_port()
    to_a, to_b = Relay(pa), Relay(pb)     # each node reaches the other through a relay
    socks = {n: str(tmp_path / ("%s.sock" % n)) for n in "AB"}
    cfg_a = node_cfg("A", {"A": pa, "B": to_b.port}, fa, socks["A"])
    cfg_b = node_cfg("B", {"A": to_a.port, "B": pb}, fb, socks["B"])
    tollgate(cfg_a, port=fa, args=("-L", "A"), name="A.cfg")
    tollgate(cfg_b, port=fb, args=("-L", "B"), name="B.cfg")
    for n in "AB":
        wait_until(lambda: admin_ready(socks[n]), 5, "admin socket of %s" % n)
    wait_until(lambda: established(socks["A"], "B") and established(socks["B"], "A"), 10, "A and B connected")
    get(fa, src="127.0.0.2")
    wait_field(socks["B"], "stkt", "127.0.0.2", "http_req_cnt", 1)

    to_a.cut()
    to_b.cut()
    wait_until(lambda: not established(socks["A"], "B") and not established(socks["B"], "A"), 6,
               "the partition seen by both")
    # changes on each side while they cannot talk
    for _ in range(3):
        get(fa, src="127.0.0.2")
    get(fa, src="127.0.0.3")
    get(fb, src="127.0.1.1")
    get(fb, src="127.0.1.1")
    assert entry(socks["B"], "stkt", "127.0.0.3") is None
    assert entry(socks["A"], "stkt", "127.0.1.1") is None
    assert field(entry(socks["B"], "stkt", "127.0.0.2"), "http_req_cnt") == 1

    to_a.heal()
    to_b.heal()
    wait_until(lambda: established(socks["A"], "B") and established(socks["B"], "A"), 10, "the link back")
    wait_field(socks["B"], "stkt", "127.0.0.2", "http_req_cnt", 4)
    wait_field(socks["B"], "stkt", "127.0.0.3", "http_req_cnt", 1)
    wait_field(socks["A"], "stkt", "127.0.1.1", "http_req_cnt", 2)
    # and afterwards, both still follow each other
    get(fb, src="127.0.0.3")
    wait_field(socks["A"], "stkt", "127.0.0.3", "http_req_cnt", 2)
    assert field(peer_block(socks["A"], "B"), "reconnects") >= 1


def test_a_change_is_pushed_at_once_not_at_the_next_poll(mesh):
    """A local change wakes the link's push (HAProxy pushes on each
    update): the median time for a key set on A to be readable on B is a
    few ms, where the 100 ms poll alone would give about 50."""
    nodes, _ = mesh(["A", "B"])
    a, b = nodes["A"][2], nodes["B"][2]
    wait_until(lambda: established(a, "B") and established(b, "A"), 5, "A and B connected")
    lat = []
    for i in range(20):
        key = "127.0.9.%d" % i
        # an idle link: the last change acknowledged (an ack arriving
        # after the change would trigger a push by itself)
        wait_until(lambda: field(peer_block(a, "B"), "lag") == 0, 5, "B acknowledged everything")
        t0 = time.monotonic()
        get(nodes["A"][1], src=key)                 # a tracked request: a change on a worker
        while entry(b, "stkt", key) is None:        # polls as fast as the CLI answers
            assert time.monotonic() - t0 < 5, "%s never reached B" % key
        lat.append(time.monotonic() - t0)
    assert statistics.median(lat) < 0.025, sorted(lat)
