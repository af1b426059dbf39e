"""`show info` as HAProxy's: every key Tollgate has, in HAProxy's order,
plain, typed and JSON, compared with Debian's HAProxy 2.6 on the same
configuration through real admin sockets."""
import json
import signal
import socket

from conftest import admin_cli, admin_ready, exchange, free_port, start_both, wait_until

CFG = """
global
    nbthread 2
    stats socket %(sock)s level admin
    stats timeout 5s
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(bport)d
"""

# Keys HAProxy 2.6 prints that Tollgate spells otherwise: 2.6's typo;
# 3.x (and Tollgate) say TotalSplicedBytesOut.
LEFT_OUT = {"TotalSplicdedBytesOut"}


def info(sock, fmt=""):
    return admin_cli(sock, ("show info " + fmt).strip())


def plain(text):
    d = {}
    for line in text.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            d[k] = v
    return d


def typed(text):
    """{name: (pos, tags, type, value)} of `show info typed`."""
    d = {}
    for line in text.splitlines():
        if not line:
            continue
        head, tags, ty, val = line.split(":", 3)
        pos, rest = head.split(".", 1)
        name = rest.rsplit(".", 1)[0]
        d[name] = (int(pos), tags, ty, val)
    return d


def test_show_info_keys_order_and_tags_as_haproxy(tollgate, haproxy, tmp_path, backend):
    both = start_both(tollgate, haproxy, tmp_path, CFG, bport=backend("A").port)
    for _, port in both.values():
        assert exchange(port, b"x").startswith(b"A:")
    # the exchange's connection and the readiness probes leave Jobs once
    # each proxy has seen them close: wait for the listeners + this CLI
    for name, (sock, _) in both.items():
        wait_until(lambda: plain(info(sock))["Jobs"] == "3", 5, "%s: Jobs back to 3" % name)
    t = plain(info(both["tollgate"][0]))
    h = plain(info(both["haproxy"][0]))
    assert t["Name"] == "Tollgate" and h["Name"] == "HAProxy"
    # every key 2.6 prints is there (but the ones left out), in 2.6's order
    wanted = [k for k in h if k not in LEFT_OUT]
    assert [k for k in t if k in h] == wanted, (list(t), list(h))
    # keys added by 3.x, in 3.x's order
    assert [k for k in t if k not in h] == ["TotalSplicedBytesOut", "TotalWarnings", "MaxconnReached", "BootTime_ms", "Niced_tasks",
                                     "CurrStreams", "CumStreams", "BlockedTrafficWarnings",
                                     "NbThreadGroups"]
    # the same values where both have the same meaning on one configuration
    for k in ("Nbthread", "Nbproc", "Process_num", "Stopping", "Jobs", "Unstoppable Jobs",
              "Listeners", "ActivePeers", "ConnectedPeers", "Tainted",
              "Memmax_MB", "ConnRateLimit", "SessRateLimit", "node", "Maxpipes",
              "MaxSslConns", "CurrSslConns", "CumSslConns", "SslRateLimit", "MaxSslRate"):
        assert t[k] == h[k], (k, t[k], h[k])
    assert t["Listeners"] == "2" and t["Jobs"] == "3"   # bind + stats socket; + this connection
    assert int(t["MaxConnRate"]) >= 1 and int(t["MaxSessRate"]) >= 1
    # as HAProxy, CumConns counts the admin socket's connections too
    for name in both:
        n = int(plain(info(both[name][0]))["CumConns"])
        assert int(plain(info(both[name][0]))["CumConns"]) == n + 1, name
    assert int(t["PoolAlloc_bytes"]) >= int(t["PoolUsed_bytes"]) > 0
    assert int(t["TotalBytesOut"]) > 0 and int(t["CumStreams"]) >= 1
    assert t["Release_date"].count("/") == 2 and t["Build info"] == t["Version"]

    # typed: HAProxy's positions, and 2.6's tags plus 3.x's persistence letter
    tt = typed(info(both["tollgate"][0], "typed"))
    ht = typed(info(both["haproxy"][0], "typed"))
    for k, (pos, tags, ty, _) in tt.items():
        if k in ht:
            assert (pos, tags, ty) == (ht[k][0], ht[k][1] + "V", ht[k][2]), k
    assert [v[0] for v in tt.values()] == sorted(v[0] for v in tt.values())
    assert tt["NbThreadGroups"][:3] == (81, "CGSV", "u32")

    # json: the same fields
    j = json.loads(info(both["tollgate"][0], "json"))
    assert [f["field"]["name"] for f in j] == list(tt)
    jobs = next(f for f in j if f["field"]["name"] == "Jobs")
    assert jobs["field"]["pos"] == 53 and jobs["value"] == {"type": "u32", "value": 3}
    assert jobs["tags"] == {"origin": "Metric", "nature": "Gauge", "scope": "Process"}


def test_show_info_stopping_and_rates(tollgate, tmp_path, backend):
    b = backend("A")
    sock = str(tmp_path / "a.sock")
    port = free_port()
    t = tollgate(CFG % {"sock": sock, "port": port, "bport": b.port}, port=port)
    wait_until(lambda: admin_ready(sock), 10, "the admin socket")
    for _ in range(5):
        assert exchange(port, b"x").startswith(b"A:")
    i = plain(info(sock))
    assert int(i["MaxConnRate"]) >= 5 and int(i["MaxSessRate"]) >= 5, i
    assert int(i["CumStreams"]) == 6 and i["Stopping"] == "0"   # 5 and wait_port's
    # a connection kept open holds the soft stop: the process says it stops
    c = socket.create_connection(("127.0.0.1", port))
    assert c.recv(2) == b"A:"
    wait_until(lambda: plain(info(sock))["CurrConns"] == "1", 5, "the connection")
    t.signal(signal.SIGUSR1)
    wait_until(lambda: plain(info(sock))["Stopping"] == "1", 5, "Stopping: 1")
    i = plain(info(sock))
    assert i["Listeners"] == "1" and i["Jobs"] == "3", i   # the stats socket; + the client + this CLI
    assert int(i["MaxConnRate"]) >= 5
    c.close()
    assert t.wait_exit() == 0
