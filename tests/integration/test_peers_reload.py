"""Reload through the local peer, HAProxy's way: a `peers` section lists
this process (its local peer, named by -L, `localpeer` or the host name);
on `-sf`, the old process connects to the new one's peer listener and
teaches it every entry of the section's tables before it leaves, then
keeps pushing what changes while it finishes its connections. The same
exchange works between HAProxy 2.6 and Tollgate in both directions (a
migration from one to the other keeps the tables)."""
import signal

from conftest import admin_cli, admin_ready, free_port, wait_until
import test_table_handover as handover
from test_table_handover import KeepAlive
from test_table_state import show_table

CFG = """
global
    nbthread 2
    localpeer lb1
    stats socket %(sock)s mode 600 level admin%(expose)s
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
peers fleet
    peer lb1 127.0.0.1:%(peer)d
frontend fe
    bind 127.0.0.1:%(port)d
    http-request track-sc0 hdr(x-key) table st
    http-request sc-inc-gpc0(0) if { hdr(x-gpc) -m found }
    http-request return status 200 content-type text/plain string ok
backend st
    stick-table type string len 32 size 100k expire 10m store http_req_cnt,http_req_rate(10s),gpc0,gpt0,server_id peers fleet
"""


def cfg(tmp_path, port, peer, expose=True, sock="admin.sock"):
    return CFG % {"sock": tmp_path / sock, "port": port, "peer": peer,
                  "expose": " expose-fd listeners" if expose else ""}


def request(port, key, gpc=False):
    """One request on its own connection; returns the status line."""
    return handover.request(port, key, "X-Gpc: 1\r\n" if gpc else "")


def start(starter, text, port, sock, args=(), name="tollgate.cfg"):
    p = starter(text, port=port, args=args, name=name)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    return p


def reload(starter, text, old, sock, args=("-x",), name="tollgate.cfg"):
    """Starts a new process replacing <old>; waits until <old> left."""
    extra = [args[0], sock] if args == ("-x",) else list(args)
    new = starter(text, args=extra + ["-sf", str(old.proc.pid)], name=name)
    assert old.wait_exit(timeout=30) == 0, old.output()
    return new


def test_every_entry_and_its_data_survive_a_reload(tollgate, tmp_path):
    port, peer, sock = free_port(), free_port(), str(tmp_path / "admin.sock")
    text = cfg(tmp_path, port, peer)
    old = start(tollgate, text, port, sock)
    for i in range(50):
        assert request(port, "k%d" % i, gpc=i % 2 == 0) == b"HTTP/1.1 200 OK"
    admin_cli(sock, "set table st key k1 data.gpt0 7 data.server_id 3")
    before = show_table(sock, "st")
    new = reload(tollgate, text, old, sock)
    new.wait_log("Peers 'fleet': full resync learned from the old process")
    assert "taught 50 entries of 1 tables to the new process" in old.output(), old.output()
    after = show_table(sock, "st")
    same_entries(before, after)
    assert after["k1"]["gpt0"] == "7" and after["k1"]["server_id"] == "3"
    assert after["k0"]["gpc0"] == "1" and after["k1"]["gpc0"] == "0"
    new.signal(signal.SIGTERM)
    assert new.wait_exit() == 0


def test_overlap_updates_of_the_old_process_win(tollgate, tmp_path):
    """A keep-alive connection stays on the old process after the new one
    learned: what it counts there is pushed to the new one, where the
    latest value wins, until the old one leaves."""
    port, peer, sock = free_port(), free_port(), str(tmp_path / "admin.sock")
    text = cfg(tmp_path, port, peer)
    old = start(tollgate, text, port, sock)
    ka = KeepAlive(port)
    ka_request = ka.request
    ka_request("shared")
    new = tollgate(text, args=["-x", sock, "-sf", str(old.proc.pid)])
    new.wait_log("Peers 'fleet': full resync learned from the old process")
    assert show_table(sock, "st")["shared"]["http_req_cnt"] == "1"
    for _ in range(3):
        ka_request("shared")
    ka_request("only-old")
    # while the old process lives, its changes reach the new one
    wait_until(lambda: show_table(sock, "st").get("only-old", {}).get("http_req_cnt") == "1", timeout=5,
               what="an update from the old process")
    assert show_table(sock, "st")["shared"]["http_req_cnt"] == "4"
    ka_request("last")
    ka.close()
    assert old.wait_exit(timeout=30) == 0, old.output()
    # its last change came before it left
    assert show_table(sock, "st")["last"]["http_req_cnt"] == "1"


def test_keys_deleted_during_the_overlap_do_not_come_back(tollgate, tmp_path):
    """Deletions are not replicated (HAProxy's protocol has no message for
    them); but a key cleared in both processes during the overlap is not
    sent again by the old one's later pushes."""
    port, peer = free_port(), free_port()
    sock_old, sock_new = str(tmp_path / "old.sock"), str(tmp_path / "new.sock")
    old = start(tollgate, cfg(tmp_path, port, peer, sock="old.sock"), port, sock_old)
    ka = KeepAlive(port)
    ka_request = ka.request
    ka_request("gone")
    new = tollgate(cfg(tmp_path, port, peer, sock="new.sock"), args=["-x", sock_old, "-sf", str(old.proc.pid)],
                   name="new.cfg")
    new.wait_log("full resync learned from the old process")
    wait_until(lambda: admin_ready(sock_new), what="the new admin socket")
    ka_request("gone")
    wait_until(lambda: show_table(sock_new, "st").get("gone", {}).get("http_req_cnt") == "2", timeout=5,
               what="the update of 'gone'")
    admin_cli(sock_old, "clear table st key gone")
    admin_cli(sock_new, "clear table st key gone")
    ka_request("after")
    wait_until(lambda: "after" in show_table(sock_new, "st"), timeout=5, what="a later update")
    ka.close()
    assert old.wait_exit(timeout=30) == 0, old.output()
    assert "gone" not in show_table(sock_new, "st")


def test_reloads_under_traffic_lose_nothing(tollgate, tmp_path):
    """10,000 keys, light traffic, five reloads: every key and its counter
    survive and no request fails."""
    port, peer, sock = free_port(), free_port(), str(tmp_path / "admin.sock")
    text = cfg(tmp_path, port, peer)
    proc = start(tollgate, text, port, sock)
    procs = [proc]
    traffic = handover.Traffic(port, handover.create_keys(port, 10000), 2)
    try:
        for _ in range(5):
            traffic.wait_more(50)
            proc = reload(tollgate, text, proc, sock)
            procs.append(proc)
            proc.wait_log("full resync learned from the old process")
    finally:
        traffic.stop()
    traffic.check(sock, [p.output() for p in procs])
    proc.signal(signal.SIGTERM)
    assert proc.wait_exit() == 0

def migrate(first, second, tmp_path, n=30):
    """<first> serves and counts, then <second> replaces it with -sf (no
    -x: the two are different programs); returns (table before, table
    after, the processes)."""
    port, peer, sock = free_port(), free_port(), str(tmp_path / "admin.sock")
    text = cfg(tmp_path, port, peer)
    old = start(first, text, port, sock, name="old.cfg")
    # a process teaches once up to date itself: HAProxy, alone in its
    # section, after its resync timeout (5 s)
    wait_until(lambda: "resync_timeout=<PAST>" in admin_cli(sock, "show peers"), timeout=10,
               what="the old process up to date")
    for i in range(n):
        assert request(port, "k%d" % i, gpc=i % 3 == 0) == b"HTTP/1.1 200 OK"
    admin_cli(sock, "set table st key k1 data.gpt0 7 data.server_id 3")
    before = show_table(sock, "st")
    new = second(text, args=["-sf", str(old.proc.pid)], name="new.cfg")
    assert old.wait_exit(timeout=30) == 0, old.output()
    wait_until(lambda: admin_ready(sock), what="the new admin socket")
    wait_until(lambda: len(show_table(sock, "st")) == n, timeout=10, what="the lesson")
    return before, show_table(sock, "st"), old, new


def same_entries(before, after):
    assert set(after) == set(before)
    for k, e in after.items():
        for f in ("http_req_cnt", "gpc0", "gpt0", "server_id"):
            assert e[f] == before[k][f], (k, f, e, before[k])
        assert int(e["http_req_rate(10000)"]) == 1
        # the remaining lifetime goes on, it does not restart
        assert int(e["exp"]) <= int(before[k]["exp"])


def test_haproxy_reloaded_into_tollgate_teaches_it(tollgate, haproxy, tmp_path):
    """A migration: `tollgate -sf <haproxy's pid>` with the same file; the
    old HAProxy 2.6 teaches Tollgate through the local peer."""
    before, after, old, new = migrate(haproxy, tollgate, tmp_path)
    same_entries(before, after)
    new.wait_log("Peers 'fleet': full resync learned from the old process (30 entries)")


def test_tollgate_reloaded_into_haproxy_teaches_it(tollgate, haproxy, tmp_path):
    """And back: HAProxy 2.6 started with -sf learns from the old Tollgate."""
    before, after, old, new = migrate(tollgate, haproxy, tmp_path)
    same_entries(before, after)
    assert "taught 30 entries of 1 tables to the new process" in old.output(), old.output()


def test_reload_in_a_fleet_with_haproxy(tollgate, haproxy, tmp_path):
    """A Tollgate node of a fleet with HAProxy 2.6 is reloaded: the new
    process learns from the old one, takes the link with HAProxy over, and
    replication goes on both ways."""
    from test_peers import entry, established, field, get, mixed_cfg, mixed_pair, wait_field
    t, ft, st, fh, sh, peers = mixed_pair(tmp_path, tollgate, haproxy)
    wait_until(lambda: "resync_timeout=<PAST>" in admin_cli(st, "show peers"), 10, "tollgate up to date")
    for _ in range(2):
        get(ft, "/a", src="127.0.0.2")
    wait_field(sh, "stkt", "127.0.0.2", "http_req_cnt", 2)
    t2 = tollgate(mixed_cfg(st, ft, peers), args=("-L", "T", "-sf", str(t.proc.pid)), name="t.cfg")
    assert t.wait_exit(timeout=30) == 0, t.output()
    t2.wait_log("Peers 'mesh': full resync learned from the old process")
    wait_until(lambda: admin_ready(st), 5, "the new admin socket")
    assert field(entry(st, "stkt", "127.0.0.2"), "http_req_cnt") == 2
    assert field(entry(st, "mesh/strtab", "/a"), "gpc0") == 2
    wait_until(lambda: established(st, "H"), 8, "the new process connected to haproxy")
    get(ft, "/a", src="127.0.0.2")
    wait_field(sh, "stkt", "127.0.0.2", "http_req_cnt", 3)
    wait_field(sh, "mesh/strtab", "/a", "gpc0", 3)
    get(fh, "/b", src="127.0.0.3")
    wait_field(st, "stkt", "127.0.0.3", "http_req_cnt", 1)
    assert "proto_err=0" in admin_cli(st, "show peers")


def test_st_reload_keeps_the_tables_by_the_hand_over(tollgate, tmp_path):
    """-st stops the old process at once: it teaches nothing through the
    local peer (as HAProxy), so the new process takes these tables by the
    -sf/-st hand-over (its admin socket) instead, its final changes
    included."""
    port, peer, sock = free_port(), free_port(), str(tmp_path / "admin.sock")
    text = cfg(tmp_path, port, peer)
    old = start(tollgate, text, port, sock)
    for i in range(20):
        assert request(port, "k%d" % i, gpc=True) == b"HTTP/1.1 200 OK"
    before = show_table(sock, "st")
    new = tollgate(text, args=["-x", sock, "-st", str(old.proc.pid)])
    assert old.wait_exit(timeout=30) == 0, old.output()
    new.wait_log("Reload hand-over: merged")
    assert "Reload hand-over: took 20 stick-table entries" in new.output(), new.output()
    assert "learned from the old process" not in new.output()
    same_entries(before, show_table(sock, "st"))


def test_soft_stop_without_a_new_process_is_not_delayed(tollgate, tmp_path):
    """SIGUSR1 alone: the old process tries its local peer, is refused
    (nobody took over) and leaves at once, as HAProxy."""
    port, peer, sock = free_port(), free_port(), str(tmp_path / "admin.sock")
    proc = start(tollgate, cfg(tmp_path, port, peer), port, sock)
    request(port, "k")
    proc.signal(signal.SIGUSR1)
    assert proc.wait_exit(timeout=2) == 0, proc.output()
