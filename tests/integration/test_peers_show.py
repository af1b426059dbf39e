"""`show peers` beside HAProxy 2.6: the session fields (`appctx:… st0=
st1= task_calls= state=EST`), the `remote_table:`/`last_local_table:`
lines, and the dictionary caches of `show peers dict` (the `server_key`
values each side numbered, TX and RX), field by field on a Tollgate node
and an HAProxy node linked to each other."""
import re

from conftest import admin_cli, admin_ready, free_port, tcp_admin_head, wait_until
from test_peers import DICT_CFG, entry, established, stick

def block(out, peer):
    """The `show peers` block of <peer> (up to the next peer or the end)."""
    m = re.search(r"\n  0x[0-9a-f]+: id=%s\(.*?(?=\n  0x|\n\n|\Z)" % peer, out, re.S)
    assert m, out
    return m.group(0)


def test_session_tables_and_dictionary_caches_as_haproxy(tmp_path, tollgate, haproxy, backend):
    be = backend("A")
    ports = {"T": free_port(), "H1": free_port(), "H2": free_port()}     # H2 stays down
    nodes = {}
    for n, prefix in (("T", "t"), ("H1", "a")):
        fe, sock = free_port(), str(tmp_path / ("%s.sock" % n))
        text = tcp_admin_head(sock) + DICT_CFG % dict(ports, fe=fe, be=be.port, prefix=prefix)
        (tollgate if n == "T" else haproxy)(text, port=fe, args=("-L", n), name="%s.cfg" % n)
        wait_until(lambda: admin_ready(sock), 5, "admin socket of %s" % n)
        nodes[n] = (fe, sock)
    wait_until(lambda: established(nodes["T"][1], "H1"), 8, "T connected to H1")

    # each side numbers its own two server names: t1, t2 on T, a1, a2 on H1
    for node, srcs in (("T", ("127.0.3.1", "127.0.3.2")), ("H1", ("127.0.3.3", "127.0.3.4"))):
        for src in srcs:
            stick(nodes[node][0], src)
    other = {"T": "H1", "H1": "T"}
    wait_until(lambda: all(entry(nodes[n][1], "p/t", s) for n in other for s in
                           ("127.0.3.1", "127.0.3.2", "127.0.3.3", "127.0.3.4")), 5, "the entries on both")

    caches = {}
    for n in other:
        sock = nodes[n][1]
        plain = block(admin_cli(sock, "show peers p"), other[n])
        dump = block(admin_cli(sock, "show peers dict p"), other[n])
        # the session: established, in HAProxy's fields
        assert re.search(r"\n        flags=0x[0-9a-f]+ appctx:0x[0-9a-f]+ st0=7 st1=0 task_calls=\d+ state=EST",
                         plain), plain
        # the tables the last messages were about, in each direction
        for what in ("remote_table", "last_local_table"):
            assert re.search(r"\n        %s:0x[0-9a-f]+ id=p/t local_id=1 remote_id=1(\n|$)" % what, plain), \
                "%s missing in %s's block:\n%s" % (what, n, plain)
        # without `dict`, a line per shared table says how to get them
        assert plain.count('\n        Dictionary cache not dumped (use "show peers dict")') == 1, plain
        assert "dictionary cache:" not in plain
        caches[n] = dict_caches(dump)
    # with `dict`: what one side numbered is what the other resolves, id
    # for id, and every id the peer may use is listed, unused ones as "-"
    for n in other:
        tx, rx = caches[n]
        assert tx and len(caches[other[n]][1]) == 128, caches
        assert caches[other[n]][1][:len(tx)] == tx, caches
        assert set(caches[other[n]][1][len(tx):]) == {"-"}, caches
    assert set(caches["T"][0]) == {"t1", "t2"}, caches     # Tollgate sends its own values only


def dict_caches(dump):
    """(TX values, RX values) of a `show peers dict` block, each id in
    order, checking HAProxy's layout: four "  %3u -> value" a line."""
    m = re.search(r"\n        TX dictionary cache:((?:\n        .*)*?)\n        RX dictionary cache:"
                  r"((?:\n        .*)*)", dump)
    assert m, dump
    out = []
    for part in m.groups():
        vals = []
        for line in part.split("\n")[1:]:
            cells = re.findall(r"  ([ \d]{3}) -> (\S+)", line[8:])
            assert cells and len(cells) <= 4 and "".join("  %s -> %s" % c for c in cells) == line[8:], line
            for i, v in cells:
                assert int(i) == len(vals), dump
                vals.append(v)
        out.append(vals)
    return out
