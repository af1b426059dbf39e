"""The SSL figures of `show info` (SslCacheLookups, SslCacheMisses with
the rest) and their haproxy_process_* families in /metrics, after full,
resumed (session id and ticket) and missed resumptions, compared with
Debian's HAProxy 2.6 running the same configuration and traffic."""
import subprocess
import urllib.request

import pytest

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until
import tlscerts

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend tls
    bind 127.0.0.1:%(tls)d ssl crt %(crt)s
    http-request return status 200 content-type text/plain string "ok"
frontend stats
    bind 127.0.0.1:%(stats)d
    http-request use-service prometheus-exporter if { path /metrics }
"""

# `show info` keys and their promex names, as HAProxy 2.6 exports them
SSL_INFO = {
    "MaxSslConns": "max_ssl_connections", "CurrSslConns": "current_ssl_connections",
    "CumSslConns": "ssl_connections_total", "SslRate": "current_ssl_rate",
    "SslRateLimit": "limit_ssl_rate", "MaxSslRate": "max_ssl_rate",
    "SslFrontendKeyRate": "current_frontend_ssl_key_rate",
    "SslFrontendMaxKeyRate": "max_frontend_ssl_key_rate",
    "SslFrontendSessionReuse_pct": "frontend_ssl_reuse",
    "SslBackendKeyRate": "current_backend_ssl_key_rate",
    "SslBackendMaxKeyRate": "max_backend_ssl_key_rate",
    "SslCacheLookups": "ssl_cache_lookups_total", "SslCacheMisses": "ssl_cache_misses_total",
}


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_all(tmp_path_factory.mktemp("certs"))


def info(sock):
    return dict(l.split(": ", 1) for l in admin_cli(sock, "show info").splitlines() if ": " in l)


def metrics(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics?scope=global" % port, timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("# TYPE haproxy_process_") and "ssl" in line:
            out[line.split()[2]] = {"type": line.split()[3]}
        elif line.startswith("haproxy_process_") and "ssl" in line.split()[0]:
            out[line.split()[0]]["value"] = line.split()[1]
    return out


def s_client(port, *args):
    """One TLS 1.2 connection; 'New' or 'Reused'."""
    p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_2"] + list(args),
                       input=b"", capture_output=True, timeout=10)
    out = p.stdout.decode(errors="replace")
    return "Reused" if "\nReused, " in out else "New" if "\nNew, " in out else out


def test_ssl_counters_and_metrics_like_haproxy(tollgate, haproxy, certs, tmp_path):
    procs = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        sock, tls, stats = str(tmp_path / (name + ".sock")), free_port(), free_port()
        start(CFG % {"sock": sock, "tls": tls, "stats": stats, "crt": certs["ecdsa"]}, port=stats)
        wait_until(lambda: admin_ready(sock), 10, "the admin socket")
        procs[name] = (sock, tls, stats)
    sess = {n: (str(tmp_path / (n + ".id")), str(tmp_path / (n + ".ticket"))) for n in procs}
    seen = {}
    for name, (sock, tls, stats) in procs.items():
        other = "haproxy" if name == "tollgate" else "tollgate"
        steps = [s_client(tls, "-no_ticket", "-sess_out", sess[name][0])]           # full, no lookup
        if name == "tollgate":
            # the other's session for the miss below: both hold one first
            s_client(procs[other][1], "-no_ticket", "-sess_out", sess[other][0])
        steps.append(s_client(tls, "-no_ticket", "-sess_in", sess[name][0]))        # id found
        steps.append(s_client(tls, "-no_ticket", "-sess_in", sess[other][0]))       # id not found
        steps.append(s_client(tls, "-sess_out", sess[name][1]))                     # full, ticket
        steps.append(s_client(tls, "-sess_in", sess[name][1]))                      # ticket: no lookup
        seen[name] = steps
    assert seen["tollgate"] == seen["haproxy"] == ["New", "Reused", "New", "New", "Reused"], seen
    got = {}
    for name, (sock, tls, stats) in procs.items():
        wait_until(lambda: info(sock)["CurrSslConns"] == "0", 5, "the connections' close")
        i, m = info(sock), metrics(stats)
        for key, fam in SSL_INFO.items():
            assert m["haproxy_process_" + fam]["value"] == i[key], (name, key)
        got[name] = (i, m)
    (ti, tm), (hi, hm) = got["tollgate"], got["haproxy"]
    # the same families, with the same types
    assert {k: v["type"] for k, v in tm.items()} == {k: v["type"] for k, v in hm.items()}
    assert len(tm) == len(SSL_INFO)
    # the counts agree (the haproxy process also served the tollgate's
    # session above: one more connection)
    assert (ti["SslCacheLookups"], ti["SslCacheMisses"]) == ("2", "1"), ti
    assert (hi["SslCacheLookups"], hi["SslCacheMisses"]) == ("2", "1"), hi
    assert (int(ti["CumSslConns"]), int(hi["CumSslConns"])) == (5, 6), (ti, hi)
    for k in ("MaxSslConns", "SslRateLimit", "SslBackendKeyRate", "SslBackendMaxKeyRate"):
        assert ti[k] == hi[k] == "0", k
