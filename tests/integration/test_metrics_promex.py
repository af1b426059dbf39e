"""The Prometheus exporter against HAProxy 2.6's (built with PROMEX) on one
configuration: every family both expose agrees in TYPE, HELP and label
names; the scope and no-maint query parameters select the same families
and series."""
import re
import urllib.request

from conftest import free_port, wait_until, HTTP_DEFAULTS
from httpbackend import get

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(port, query=""):
    """Scrapes /metrics<query> with urllib; returns {family: {"type", "help",
    "labels": set of label-name tuples, "series": {label tuple: value}}}."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics%s" % (port, query), timeout=5) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    fams = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            _, _, name, help_ = line.split(" ", 3)
            assert name not in fams, "family %s twice" % name
            fams[name] = {"help": help_, "type": None, "labels": set(), "series": {}}
        elif line.startswith("# TYPE "):
            _, _, name, type_ = line.split(" ")
            assert fams[name]["type"] is None
            fams[name]["type"] = type_
        elif line:
            m = LINE.match(line)
            assert m, "not a sample line: %r" % line
            f = fams[m.group(1)]   # a sample follows its family's HELP line
            labels = tuple(LABEL.findall(m.group(2) or ""))
            f["labels"].add(tuple(k for k, _ in labels))
            f["series"][labels] = float(m.group(3))
    return fams


def cfg(port, backend_port):
    return """
global
    nbthread 2
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend be
backend be
    stick-table type ip size 100 store http_req_cnt,conn_cnt
    http-request track-sc0 src
    server s1 127.0.0.1:%d check inter 200ms
    server s2 127.0.0.1:%d disabled
backend other
    server o1 127.0.0.1:%d
""" % (port, backend_port, backend_port, backend_port)


# Families of HAProxy 3.x's exporter that 2.6's lacks (3.x's stats-proxy.c
# gives "rate" and "req_tot" a Prometheus name for servers and frontends,
# and its process metrics gained the node, warnings and thread groups).
HAPROXY3_ONLY = {
    "haproxy_server_active", "haproxy_server_backup",
    "haproxy_frontend_current_session_rate", "haproxy_backend_current_session_rate",
    "haproxy_server_current_session_rate", "haproxy_server_http_requests_total",
    "haproxy_process_nb_thread_groups", "haproxy_process_node", "haproxy_process_total_warnings",
}


def start_both(tollgate, haproxy, http_backend):
    b = http_backend("A")
    ports = free_port(), free_port()
    tollgate(cfg(ports[0], b.port), port=ports[0])
    haproxy(cfg(ports[1], b.port), port=ports[1])
    for p in ports:
        for _ in range(3):
            assert get(p, "/x")[0] == 200
        # the first check of s1 has finished
        wait_until(lambda: 1 in scrape(p, "?scope=server").get("haproxy_server_check_status", {})
                   .get("series", {}).values(), what="a finished check on port %d" % p)
    return ports


def test_families_agree_with_haproxy(tollgate, haproxy, http_backend):
    tg_port, ha_port = start_both(tollgate, haproxy, http_backend)
    tg, ha = scrape(tg_port), scrape(ha_port)
    common = sorted(set(tg) & set(ha))
    # HAProxy 2.6 exposes 189 families here; every one Tollgate has a value
    # for is in common (the rest: doc/management.md, "Not exported")
    assert len(common) >= 80, sorted(set(ha) - set(tg))
    for name in common:
        assert tg[name]["type"] == ha[name]["type"], name
        assert tg[name]["help"] == ha[name]["help"], name
        assert tg[name]["labels"] == ha[name]["labels"], (name, tg[name]["labels"], ha[name]["labels"])
    # Tollgate's only extra families are HAProxy 3.x's
    assert set(tg) - set(ha) <= HAPROXY3_ONLY, set(tg) - set(ha)
    # the same series (label values) in families whose series are fixed by
    # the configuration
    for name in ("haproxy_frontend_http_requests_total", "haproxy_backend_http_responses_total",
                 "haproxy_server_status", "haproxy_backend_agg_server_status",
                 "haproxy_backend_agg_check_status", "haproxy_server_check_status",
                 "haproxy_sticktable_size", "haproxy_sticktable_used", "haproxy_process_pool_used_bytes"):
        assert set(tg[name]["series"]) == set(ha[name]["series"]), name
    # and the same values where both count the same traffic
    for name, labels in (("haproxy_server_status", (("proxy", "be"), ("server", "s2"), ("state", "MAINT"))),
                         ("haproxy_backend_agg_server_status", (("proxy", "be"), ("state", "MAINT"))),
                         ("haproxy_sticktable_used", (("name", "be"), ("type", "ip")))):
        assert tg[name]["series"][labels] == ha[name]["series"][labels] == 1, name


def families_of(port, query):
    return set(scrape(port, query))


def test_scope_and_no_maint_as_haproxy(tollgate, haproxy, http_backend):
    tg_port, ha_port = start_both(tollgate, haproxy, http_backend)
    prefixes = {"global": "haproxy_process_", "frontend": "haproxy_frontend_",
                "backend": "haproxy_backend_", "server": "haproxy_server_",
                "sticktable": "haproxy_sticktable_"}
    for port in (tg_port, ha_port):
        for scope, prefix in prefixes.items():
            fams = families_of(port, "?scope=" + scope)
            assert fams and all(f.startswith(prefix) for f in fams), (port, scope)
        two = families_of(port, "?scope=frontend&scope=backend")
        assert {f.split("_")[1] for f in two} == {"frontend", "backend"}
        assert families_of(port, "?scope=*&scope=") == set()
        assert {f.split("_")[1] for f in families_of(port, "?scope=&scope=global")} == {"process"}
        # no-maint: s2 (disabled) disappears from server series, still
        # counted by the backend's aggregate
        srv = scrape(port, "?scope=server&scope=backend&no-maint")
        assert all(dict(k).get("server") != "s2" for f in srv.values() for k in f["series"]
                   if "server" in dict(k)), port
        assert ("server", "s1") in {kv for k in srv["haproxy_server_status"]["series"] for kv in k}
        agg = srv["haproxy_backend_agg_server_status"]["series"]
        assert agg[(("proxy", "be"), ("state", "MAINT"))] == 1
    # metrics= (HAProxy 2.8's, not 2.6's)
    only = families_of(tg_port, "?metrics=haproxy_server_status,haproxy_frontend_status")
    assert only == {"haproxy_server_status", "haproxy_frontend_status"}
    assert "haproxy_server_check_status" not in families_of(tg_port, "?metrics=-haproxy_server_check_status")
    # both select the same families for each scope (among those both have)
    for scope in prefixes:
        tg, ha = families_of(tg_port, "?scope=" + scope), families_of(ha_port, "?scope=" + scope)
        assert tg & ha and not (tg - ha) - HAPROXY3_ONLY, scope
