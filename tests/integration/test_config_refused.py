"""Features Tollgate does not have (OpenSSL engines, Lua, SPOE and other
filters, the HTTP cache, compression) are refused with one line each,
naming the keyword, the missing feature and the place; a refused section
is reported once, its lines skipped."""
from conftest import run_check

CFG = """global
    lua-load /etc/haproxy/x.lua
    ssl-engine rdrand
    ssl-dh-param-file /etc/haproxy/dh.pem
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
cache c1
    total-max-size 4
    max-age 60
frontend fe
    bind 127.0.0.1:8080
    filter spoe engine x config /etc/haproxy/spoe.conf
    filter compression
    filter bwlim-in x default-limit 1m default-period 1s
    compression algo gzip
    default_backend be
backend be
    server s1 127.0.0.1:8001 check-proto h3
    server s2 127.0.0.1:8002 ssl verify none npn http/1.1
    server s3 127.0.0.1:8003 proto h1
"""

EXPECTED = [
    (2, "'lua-load' is not supported: Tollgate has no Lua."),
    (3, "'ssl-engine' is not supported: Tollgate has no OpenSSL engines."),
    (4, "'ssl-dh-param-file' is not supported: Tollgate has no custom DH parameters (DHE uses the library's own)."),
    (10, "'cache' sections are not supported: Tollgate has no HTTP cache."),
    (15, "'filter spoe' is not supported: Tollgate has no SPOE (stream processing offload)."),
    (16, "'filter compression' is not supported: Tollgate has no HTTP compression."),
    (17, "'filter bwlim-in' is not supported: Tollgate has no filters."),
    (18, "'compression' is not supported: Tollgate has no HTTP compression."),
    (21, "'server s1' : 'check-proto' : unknown protocol 'h3' (supported: h1, h2)."),
    (22, "'server s2' : option 'npn' : NPN is obsolete and not supported: use 'alpn'."),
]


def test_missing_features_refused_one_line_each(tmp_path):
    rc, out, path = run_check(CFG, tmp_path)
    assert rc != 0
    alerts = [l for l in out.splitlines() if "[ALERT]" in l and "parsing [" in l]
    assert len(alerts) == len(EXPECTED), out
    for (line, msg), alert in zip(EXPECTED, alerts):
        assert "parsing [%s:%d] : %s" % (path, line, msg) in alert, alert


# reverse HTTP (HAProxy 2.9+): the edge attaches the connections its
# private frontend accepts to a server without address, the other side
# binds a listener that connects out through a server
RHTTP = """
defaults
    mode http
frontend priv
    bind 127.0.0.1:8443 proto h2
    tcp-request session attach-srv be-reverse/dev
backend be-reverse
    server dev rhttp@
frontend fe
    bind rhttp@be-pre-connect/srv
"""


def test_reverse_http_refused_one_line_each(tmp_path):
    rc, out, path = run_check(RHTTP, tmp_path)
    assert rc != 0
    alerts = [l for l in out.splitlines() if "[ALERT]" in l and "parsing [" in l]
    assert len(alerts) == 3, out
    assert ("parsing [%s:6] : 'tcp-request session' : action 'attach-srv' is not supported: "
            "Tollgate has no reverse HTTP (HAProxy 2.9+)." % path) in alerts[0]
    assert ("parsing [%s:8] : 'server dev' : address 'rhttp@': reverse HTTP (rhttp@, "
            "HAProxy 2.9+) is not supported" % path) in alerts[1]
    assert "parsing [%s:10] : 'bind' : address 'rhttp@be-pre-connect/srv': reverse HTTP" % path in alerts[2]
