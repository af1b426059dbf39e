"""Peers in operation: the per-peer figures of `show peers` and of the
Prometheus exporter (Tollgate's own haproxy_peer_* families).

HAProxy 2.6 has neither (its `show peers` has no lag, its exporter no peer
family), so these run Tollgate alone.
"""
import re
import socket
import urllib.request

from conftest import admin_cli, admin_ready, free_port, wait_until
from test_peers import established, field, get, handshake, mesh, node_cfg, wait_field  # noqa: F401 (mesh: a fixture)

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
    assert "reconnects=0" in blk, blk
    assert field(blk, "tx_updates") == 3 and field(blk, "rx_updates") == 1, blk
    m = metrics(a[1])
    lb = dict(peers="mesh", peer="B")
    assert series(m, "haproxy_peer_connected", **lb) == 1
    assert series(m, "haproxy_peer_last_status", state="ESTA", **lb) == 1
    assert series(m, "haproxy_peer_last_status", state="CONN", **lb) == 0
    assert series(m, "haproxy_peer_last_hello_seconds", **lb) is not None
    assert series(m, "haproxy_peer_reconnects_total", **lb) == 0
    assert series(m, "haproxy_peer_protocol_errors_total", **lb) == 0
    assert series(m, "haproxy_peer_updates_sent_total", table="stkt", **lb) == 3
    assert series(m, "haproxy_peer_updates_received_total", table="stkt", **lb) == 1
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
    wait_until(lambda: series(metrics(a[1]), "haproxy_peer_reconnects_total", **lb) == 1, 3,
               "one reconnection on A")
    assert "reconnects=1" in peer_block(a[2], "B")


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
    wait_until(lambda: field(peer_block(sock, "B"), "lag") == 4, 3,
               "lag of 4 updates: %s" % peer_block(sock, "B"))
    first = field(peer_block(sock, "B"), "lag_ms")
    wait_until(lambda: field(peer_block(sock, "B"), "lag_ms") >= first + 300, 3, "lag_ms growing")
    s.close()
