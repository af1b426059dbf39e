"""`shards` in a peers section (HAProxy 2.7+): a peer declared with
`shard N` receives only the keys whose shard is N, computed as HAProxy
does (XXH64 of the key seeded with XXH64 of the table's name, modulo
`shards`, plus one); a peer without one (or 0) receives every key. A
learner asks one peer of each shard for its initial resync."""
import re
import signal

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, run_check, wait_until
from test_peers import entry, get

M = (1 << 64) - 1
P1, P2, P3, P4, P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                      0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5)


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def _round(acc, lane):
    return (_rotl((acc + lane * P2) & M, 31) * P1) & M


def xxh64(data, seed=0):
    """XXH64 of <data> (bytes), as HAProxy and tollgate compute it."""
    n, i = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 32 <= n:
            for j in range(4):
                v[j] = _round(v[j], int.from_bytes(data[i + 8 * j:i + 8 * j + 8], "little"))
            i += 32
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & M
        for x in v:
            h = ((h ^ _round(0, x)) * P1 + P4) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 8 <= n:
        h ^= _round(0, int.from_bytes(data[i:i + 8], "little"))
        h = (_rotl(h, 27) * P1 + P4) & M
        i += 8
    if i + 4 <= n:
        h ^= (int.from_bytes(data[i:i + 4], "little") * P1) & M
        h = (_rotl(h, 23) * P2 + P3) & M
        i += 4
    while i < n:
        h ^= (data[i] * P5) & M
        h = (_rotl(h, 11) * P1) & M
        i += 1
    h ^= h >> 33
    h = (h * P2) & M
    h ^= h >> 29
    h = (h * P3) & M
    h ^= h >> 32
    return h


CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
peers mesh
    shards 2
    peer A 127.0.0.1:%(A)d
    peer B 127.0.0.1:%(B)d shard 1
    peer C 127.0.0.1:%(C)d shard 2
backend stkt
    stick-table type string len 32 size 1k expire 60s store http_req_cnt peers mesh
frontend fe
    bind 127.0.0.1:%(fe)d
    http-request track-sc0 path table stkt
    http-request return status 200
"""


def shard(key, nb=2, table=b"stkt"):
    return xxh64(key.encode(), xxh64(table)) % nb + 1


def tx_updates(sock, peer):
    """Updates sent to <peer> by the node of <sock> (its table stkt)."""
    out = admin_cli(sock, "show peers")
    m = re.search(r"id=%s\(remote.*?tx_updates=(\d+)" % peer, out, re.S)
    return int(m.group(1)) if m else None


def mesh(tmp_path, tollgate):
    """Returns ({name: (fe port, socket)}, start(name)) for nodes A, B, C."""
    ports = {n: free_port() for n in "ABC"}
    nodes = {n: (free_port(), str(tmp_path / ("%s.sock" % n))) for n in "ABC"}

    def start(n):
        fe, sock = nodes[n]
        p = tollgate(CFG % dict(ports, sock=sock, fe=fe), port=fe, args=("-L", n), name="%s.cfg" % n)
        wait_until(lambda: admin_ready(sock), 5, "admin socket of %s" % n)
        return p
    return nodes, start


def test_each_key_goes_to_the_peers_of_its_shard(tmp_path, tollgate):
    nodes, start = mesh(tmp_path, tollgate)
    for n in "ABC":
        start(n)
    keys = ["/k%d" % i for i in range(16)]
    by_shard = {s: [k for k in keys if shard(k) == s] for s in (1, 2)}
    assert by_shard[1] and by_shard[2]
    wait_until(lambda: all(tx_updates(nodes["A"][1], p) is not None for p in "BC"), 8, "A connected")
    for k in keys:
        get(nodes["A"][0], k)
    # a last key of each shard, after all the others on the links
    markers = {s: next("/m%d" % i for i in range(100) if shard("/m%d" % i) == s) for s in (1, 2)}
    for m in markers.values():
        get(nodes["A"][0], m)
    for node, s in (("B", 1), ("C", 2)):
        sock = nodes[node][1]
        for k in by_shard[s] + [markers[s]]:
            wait_until(lambda: entry(sock, "stkt", k) is not None, 5, "%s on %s" % (k, node))
        # A sent them the keys of their shard, nothing else (a key may go
        # more than once: changes are pushed as they come)
        assert tx_updates(nodes["A"][1], node) >= len(by_shard[s]) + 1
        for k in by_shard[3 - s] + [markers[3 - s]]:
            assert entry(sock, "stkt", k) is None, (k, node)
    # show table prints each key's shard, as HAProxy 2.8+
    for k in keys:
        assert " shard=%d " % shard(k) in entry(nodes["A"][1], "stkt", k), entry(nodes["A"][1], "stkt", k)
    # B has no shard for A: A gets every key B counts
    get(nodes["B"][0], "/from-b")
    wait_until(lambda: entry(nodes["A"][1], "stkt", "/from-b") is not None, 5, "/from-b on A")


def test_a_restarted_node_learns_a_shard_from_each(tmp_path, tollgate):
    """A counts keys: B learns those of shard 1, C those of shard 2. A
    restarted empty asks one peer of each shard (one of them alone knows
    half of the keys, and learned keys are not in its update stream) and
    gets every key back."""
    nodes, start = mesh(tmp_path, tollgate)
    procs = {n: start(n) for n in "ABC"}
    synced = lambda n: "resync_timeout=<PAST>" in admin_cli(nodes[n][1], "show peers")  # noqa: E731
    wait_until(lambda: all(synced(n) for n in "ABC"), 8, "the three nodes up to date")
    keys = ["/k%d" % i for i in range(16)]
    for k in keys:
        get(nodes["A"][0], k)
    for k in keys:
        n = "B" if shard(k) == 1 else "C"
        wait_until(lambda: entry(nodes[n][1], "stkt", k) is not None, 5, "%s on %s" % (k, n))
    procs["A"].signal(signal.SIGTERM)
    assert procs["A"].wait_exit() == 0
    start("A")
    sock = nodes["A"][1]
    wait_until(lambda: synced("A"), 8, "A up to date")
    missing = [k for k in keys if entry(sock, "stkt", k) is None]
    assert not missing, admin_cli(sock, "show table stkt")


def test_shard_of_the_local_peer_or_past_shards_is_ignored_with_a_warning(tmp_path):
    text = CFG % {"sock": tmp_path / "s.sock", "A": 1, "B": 2, "C": 3, "fe": 4}
    text = text.replace("peer C 127.0.0.1:3 shard 2", "peer C 127.0.0.1:3 shard 3")
    text = text.replace("peer A 127.0.0.1:1", "peer A 127.0.0.1:1 shard 1")
    text = text.replace("global\n", "global\n    localpeer A\n")
    lines = text.split("\n")
    line_a = 1 + next(i for i, ln in enumerate(lines) if ln.startswith("    peer A"))
    line_c = 1 + next(i for i, ln in enumerate(lines) if ln.startswith("    peer C"))
    rc, out, path = run_check(text, tmp_path)
    assert rc == 0, out
    assert "%s:%d" % (path, line_a) in out and "shard ignored for 'A' (the local peer)" in out, out
    assert "%s:%d" % (path, line_c) in out and "greater than the section's 'shards'" in out, out


def test_show_table_has_no_shard_filter_as_haproxy(tmp_path, tollgate, haproxy):
    """No HAProxy version filters `show table`/`clear table` by shard:
    HAProxy 2.6 answers its usage message and dumps or clears nothing;
    Tollgate refuses too, naming the filter."""
    cfg = ADMIN_GLOBAL + HTTP_DEFAULTS + """
backend stkt
    stick-table type string len 32 size 1k expire 60s store http_req_cnt
frontend fe
    bind 127.0.0.1:%(fe)d
    http-request track-sc0 path table stkt
    http-request return status 200
"""
    answers = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        fe, sock = free_port(), str(tmp_path / ("%s.sock" % name))
        start(cfg % dict(sock=sock, fe=fe), port=fe, name="%s.cfg" % name)
        wait_until(lambda: admin_ready(sock), 5, "admin socket of %s" % name)
        get(fe, "/k1")
        show = admin_cli(sock, "show table stkt shard=1")
        clear = admin_cli(sock, "clear table stkt shard=1")
        assert "key=" not in show and ("Optional argument" in show or "only \"data." in show), show
        assert entry(sock, "stkt", "/k1") is not None, clear           # nothing cleared
        answers[name] = show
    assert answers["tollgate"] == ("Filter 'shard=1' is not supported (there is no shard filter); only "
                                   "\"data.<store_data_type>\" <operator> <value> or key <key>\n\n")
    assert answers["haproxy"].startswith("Optional argument only supports \"data.<store_data_type>\"")
