"""The Prometheus exporter: `http-request use-service prometheus-exporter`,
HAProxy's metric names, a body larger than the buffer streamed whole, the
connection kept alive after it."""
import re

from conftest import free_port, run_check, HTTP_DEFAULTS
from httpbackend import connect, get, read_response

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$')


def parse(text):
    """Checks the exposition format; returns {(name, labels): value} and the
    families in order of their TYPE lines."""
    series, families, typed = {}, [], set()
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# TYPE "):
            name = line.split()[2]
            assert name not in typed, "family %s twice" % name
            typed.add(name)
            families.append(name)
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        series[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return series, families


def cfg(port, backend_port, nservers=2):
    servers = "\n".join("    server s%d 127.0.0.1:%d" % (i + 1, backend_port) for i in range(nservers))
    return """
global
    nbthread 2
""" + HTTP_DEFAULTS + """frontend fe
    bind 127.0.0.1:%d
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend be
backend be
%s
""" % (port, servers)


def test_metrics_count_requests(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, b.port), port=port)
    for _ in range(5):
        st, _, _, _ = get(port, "/x")
        assert st == 200
    st, h, _, body = get(port, "/metrics")
    assert st == 200
    assert h["content-type"].startswith("text/plain; version=0.0.4")
    series, _ = parse(body.decode())
    assert series[("haproxy_frontend_http_requests_total", '{proxy="fe"}')] >= 5
    assert series[("haproxy_backend_http_responses_total", '{proxy="be",code="2xx"}')] >= 5
    assert ("haproxy_server_current_sessions", '{proxy="be",server="s1"}') in series
    assert series[("haproxy_process_nbthread", "")] == 2
    # the `show info` keys HAProxy 3.x exports, with its names and types
    assert series[("haproxy_process_stopping", "")] == 0
    assert series[("haproxy_process_listeners", "")] == 1
    assert series[("haproxy_process_jobs", "")] >= 2     # the listener, this connection
    assert series[("haproxy_process_max_connection_rate", "")] >= 5
    assert series[("haproxy_process_pool_allocated_bytes", "")] > 0
    assert any(n == "haproxy_process_build_info" and l.startswith("{version=") for n, l in series)
    assert "# TYPE haproxy_process_bytes_out_total counter" in body.decode()
    assert b.count() == 5   # /metrics never reached the server


def test_large_body_streams_and_keeps_alive(http_backend, tollgate):
    # 400 servers: a body far larger than the 16 KB buffer
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, b.port, nservers=400), port=port)
    with connect(port) as s:
        s.sendall(b"GET /metrics?scope=server HTTP/1.1\r\nHost: x\r\n\r\n")
        st, h, _, body = read_response(s)
        assert st == 200 and int(h["content-length"]) == len(body) > 64 * 1024
        series, families = parse(body.decode())
        assert all(f.startswith("haproxy_server_") for f in families), families
        assert ("haproxy_server_current_sessions", '{proxy="be",server="s400"}') in series
        # the same connection serves the next request
        s.sendall(b"GET /y HTTP/1.1\r\nHost: x\r\n\r\n")
        st, _, _, body = read_response(s)
        assert st == 200 and body.startswith(b"A")


def test_unknown_service_names_the_line(tmp_path):
    rc, out, path = run_check("""
defaults
    mode http
frontend fe
    bind 127.0.0.1:18404
    http-request use-service nope
""", tmp_path)
    assert rc != 0
    assert "%s:6" % path in out and "unknown service 'nope'" in out and "prometheus-exporter" in out, out
