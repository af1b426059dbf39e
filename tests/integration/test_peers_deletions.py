"""What replication does with deletions, beside HAProxy 2.6: nothing. The
peers protocol has no deletion message (HAProxy's src/peers.c: updates,
definitions, switches and acks only), so `clear table` removes entries on
the node where it runs only; the other nodes keep theirs until they
expire there, and a later change of the key on any node sends it again.

The same scenario runs on a pair of Tollgate nodes, a pair of HAProxy 2.6
nodes and a mixed pair; every observation must be the same. No waiting on
an absence: after each clear, a marker key changed on the same node is
awaited on the other one (updates travel in order on a link, so anything
sent before it has arrived)."""
import pytest

from conftest import admin_cli, admin_ready, free_port, wait_until
from test_peers import entry, established, field, node_cfg, wait_field


def scenario(tmp_path, starters):
    """Runs the scenario on nodes A and B started by <starters>; returns
    the list of observations."""
    ports = {"A": free_port(), "B": free_port()}
    nodes = {}
    for n, start in zip("AB", starters):
        fe, sock = free_port(), str(tmp_path / ("%s.sock" % n))
        start(node_cfg(n, ports, fe, sock), port=fe, args=("-L", n), name="%s.cfg" % n)
        wait_until(lambda: admin_ready(sock), 5, "admin socket of %s" % n)
        nodes[n] = sock
    a, b = nodes["A"], nodes["B"]
    wait_until(lambda: established(a, "B") and established(b, "A"), 8, "A and B connected")
    seen = []

    def setv(sock, key, v):
        assert admin_cli(sock, "set table stkt key %s data.gpc0 %d" % (key, v)) in ("", "\n")

    def gpc0(sock, key):
        return field(entry(sock, "stkt", key), "gpc0")

    # an entry made on A reaches B
    setv(a, "10.0.0.1", 5)
    setv(a, "10.0.0.2", 6)
    wait_field(b, "stkt", "10.0.0.2", "gpc0", 6)
    seen.append(("B has A's entries", gpc0(b, "10.0.0.1"), gpc0(b, "10.0.0.2")))
    # clear one key on A: gone on A only
    admin_cli(a, "clear table stkt key 10.0.0.1")
    setv(a, "10.0.0.9", 1)                                   # marker: after the clear on the link
    wait_field(b, "stkt", "10.0.0.9", "gpc0", 1)
    seen.append(("after clear key on A", gpc0(a, "10.0.0.1"), gpc0(b, "10.0.0.1")))
    # clear the whole table on B (learned entries included): A keeps all
    # (HAProxy skips entries in use at that instant, e.g. one its peer
    # session is teaching: as an operator would, clear again until done)
    def cleared_on_b():
        admin_cli(b, "clear table stkt")
        return gpc0(b, "10.0.0.2") is None and gpc0(b, "10.0.0.9") is None

    wait_until(cleared_on_b, 5, "B's table cleared")
    setv(b, "10.0.0.8", 2)                                   # marker the other way
    wait_field(a, "stkt", "10.0.0.8", "gpc0", 2)
    seen.append(("after clear table on B", gpc0(a, "10.0.0.2"), gpc0(a, "10.0.0.9"), gpc0(b, "10.0.0.2"),
                 gpc0(b, "10.0.0.9")))
    # a data filter clears only what matches, on that node only
    admin_cli(a, "clear table stkt data.gpc0 gt 5")
    setv(a, "10.0.0.7", 3)
    wait_field(b, "stkt", "10.0.0.7", "gpc0", 3)
    seen.append(("after clear data.gpc0 gt 5 on A", gpc0(a, "10.0.0.2"), gpc0(a, "10.0.0.9")))
    # a cleared key changed again on the other node comes back, with its value
    setv(b, "10.0.0.1", 42)
    wait_field(a, "stkt", "10.0.0.1", "gpc0", 42)
    seen.append(("cleared key changed on B", gpc0(a, "10.0.0.1"), gpc0(b, "10.0.0.1")))
    assert "proto_err=0" in admin_cli(a, "show peers") + admin_cli(b, "show peers")
    return seen


EXPECTED = [
    ("B has A's entries", 5, 6),
    ("after clear key on A", None, 5),
    ("after clear table on B", 6, 1, None, None),
    ("after clear data.gpc0 gt 5 on A", None, 1),
    ("cleared key changed on B", 42, 42),
]


@pytest.mark.parametrize("pair", ["haproxy-haproxy", "tollgate-tollgate", "tollgate-haproxy"])
def test_clear_table_is_not_replicated_as_in_haproxy(tmp_path, tollgate, haproxy, pair):
    starters = [tollgate if n == "tollgate" else haproxy for n in pair.split("-")]
    assert scenario(tmp_path, starters) == EXPECTED
