"""HTTP/2 clients (the h2 mux, src/mux/h2_fe.c): `bind ... proto h2` (prior
knowledge) and `alpn h2` over TLS, driven by curl, nghttp, h2load and raw
frames (python3-h2). Each HTTP/2 stream is an ordinary request of the HTTP
engine: rules, logs, stick counters, replies. Where HAProxy 2.6 runs the
same configuration, both must answer the same."""
import hashlib
import os
import re
import signal
import socket
import subprocess

import pytest

from conftest import HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until
import tlscerts


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_all(tmp_path_factory.mktemp("certs"))


def cfg(port, be_port, fe_extra="", glob="", bind_opts="proto h2", be_extra=""):
    return """
global
    nbthread 2
    log stdout format raw local0
%s
defaults
    mode http
    log global
    option httplog
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d %s
%s
    default_backend be
backend be
%s
    server s1 127.0.0.1:%d
""" % (glob, port, bind_opts, fe_extra, be_extra, be_port)


def curl(url, *extra, tls=False):
    """curl over HTTP/2 (prior knowledge, or ALPN over TLS); returns
    (rc, http_version, status, headers dict, body bytes)."""
    cmd = ["curl", "-sS", "--max-time", "10", "-D", "-", "-o", "/dev/stdout", "-w", "\n%{http_version}"]
    cmd += ["-k", "--http2"] if tls else ["--http2-prior-knowledge"]
    p = subprocess.run(cmd + list(extra) + [url], capture_output=True, timeout=30)
    out = p.stdout
    head, _, rest = out.partition(b"\r\n\r\n")
    body, _, ver = rest.rpartition(b"\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP") else 0
    hdrs = {}
    for l in lines[1:]:
        n, _, v = l.partition(":")
        hdrs[n.strip().lower()] = v.strip()
    return p.returncode, ver.decode(), status, hdrs, body


def log_lines(t, needle):
    return [l for l in t.output().splitlines() if needle in l]


def test_prior_knowledge_get_like_haproxy(tollgate, haproxy, http_backend):
    be = http_backend("A")
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        t = starter(cfg(port, be.port), port=port)
        rc, ver, status, hdrs, body = curl("http://127.0.0.1:%d/hello?x=1" % port)
        assert (rc, ver, status, body) == (0, "2", 200, b"A GET /hello?x=1\n"), (name, rc, ver, status, body)
        assert hdrs.get("content-type") == "text/plain", (name, hdrs)
        # the server got an ordinary HTTP/1.1 request with a Host
        req = be.requests[-1]
        assert req.version == "HTTP/1.1" and req.header("host") == "127.0.0.1:%d" % port, (name, req.headers)
        assert req.path == "/hello?x=1", (name, req.path)   # origin form to the server
        # one log line: as HAProxy, the request in absolute form, as HTTP/2.0
        line = '"GET http://127.0.0.1:%d/hello?x=1 HTTP/2.0"' % port
        wait_until(lambda: log_lines(t, line), 5, name + " log line:\n" + t.output())


def test_tls_alpn_h2_and_http11(tollgate, haproxy, http_backend, certs):
    be = http_backend("A")
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        t = starter(cfg(port, be.port, bind_opts="ssl crt %s alpn h2,http/1.1" % certs["rsa"],
                        fe_extra="    http-request set-var(txn.ver) req.ver\n"
                                 "    http-request set-var(txn.maj) fc_http_major\n"
                                 "    http-response set-header x-ver %[var(txn.ver)]/%[var(txn.maj)]/%[ssl_fc_alpn]"), port=port)
        rc, ver, status, hdrs, body = curl("https://127.0.0.1:%d/tls" % port, tls=True)
        assert (rc, ver, status, body) == (0, "2", 200, b"A GET /tls\n"), (name, rc, ver, status, body)
        assert hdrs.get("x-ver") == "2.0/2/h2", (name, hdrs)
        rc, ver, status, hdrs, body = curl("https://127.0.0.1:%d/tls1" % port, "--http1.1", tls=True)
        assert (rc, ver, status, body) == (0, "1.1", 200, b"A GET /tls1\n"), (name, rc, ver, status, body)
        assert hdrs.get("x-ver") == "1.1/1/http/1.1", (name, hdrs)
        # the frontend is marked as TLS in the log (%ft "fe~")
        wait_until(lambda: [l for l in log_lines(t, '"GET https://127.0.0.1:%d/tls HTTP/2.0"' % port) if " fe~ " in l], 5, t.output())


def origin_cfg(port, origin_port, extra=""):
    """A frontend on <port> (proto h2) proxying to a local origin frontend
    (HTTP/1.1) that answers by itself: fast enough for h2load."""
    return HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d proto h2
%s
    default_backend be
backend be
    server s1 127.0.0.1:%d
frontend origin
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain string ok
""" % (port, extra, origin_port, origin_port)


def test_h2load_many_concurrent_streams(tollgate):
    port, oport = free_port(), free_port()
    tollgate(origin_cfg(port, oport), port=port)
    p = subprocess.run(["h2load", "-n", "2000", "-c", "4", "-m", "50", "http://127.0.0.1:%d/" % port],
                       capture_output=True, text=True, timeout=60)
    assert "2000 succeeded, 0 failed" in p.stdout and "status codes: 2000 2xx" in p.stdout, p.stdout + p.stderr


def test_nghttp_verbose(tollgate):
    port, oport = free_port(), free_port()
    tollgate(origin_cfg(port, oport), port=port)
    p = subprocess.run(["nghttp", "-nv", "http://127.0.0.1:%d/x" % port], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r"recv \(stream_id=\d+\) :status: 200", p.stdout), p.stdout
    assert "recv SETTINGS frame" in p.stdout and "END_STREAM" in p.stdout, p.stdout


def test_post_1mb_both_ways(tollgate, http_backend, tmp_path):
    big = os.urandom(1 << 20)

    def handler(req):
        # answers 1 MB whose digest names the request body's
        digest = hashlib.sha256(req.body).hexdigest().encode()
        return 200, [("Content-Type", "application/octet-stream"), ("X-Len", str(len(req.body)))], \
            digest + b"\n" + b"x" * ((1 << 20) - len(digest) - 1)

    be = http_backend("A", handler)
    port = free_port()
    tollgate(cfg(port, be.port), port=port)
    src = tmp_path / "big.bin"
    src.write_bytes(big)
    rc, ver, status, hdrs, body = curl("http://127.0.0.1:%d/up" % port, "-X", "POST", "--data-binary",
                                       "@" + str(src))
    assert (rc, status, hdrs.get("x-len")) == (0, 200, str(1 << 20)), (rc, status, hdrs)
    assert len(body) == 1 << 20 and body.startswith(hashlib.sha256(big).hexdigest().encode()), len(body)
    # without a content-length the body goes chunked to the server
    p = subprocess.Popen(["curl", "-sS", "--max-time", "10", "--http2-prior-knowledge", "-X", "PUT",
                          "-H", "Transfer-Encoding:", "--data-binary", "@-", "-o", "/dev/null", "-w",
                          "%{http_code}", "http://127.0.0.1:%d/chunked" % port], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(big[:300000], timeout=30)
    assert out == b"200", out + err
    req = be.requests[-1]
    assert req.path == "/chunked" and len(req.body) == 300000 and req.body == big[:300000]


def test_rules_on_http2_like_haproxy(tollgate, haproxy, http_backend):
    be = http_backend("A")
    rules = """    http-request deny deny_status 403 if { path /deny }
    http-request return status 201 content-type text/plain string made-here if { path /ret }
    http-request set-header x-from-rule %[req.ver]
    http-response set-header x-res-rule %[status]
"""
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, be.port, fe_extra=rules), port=port)
        url = "http://127.0.0.1:%d" % port
        rc, ver, status, hdrs, body = curl(url + "/deny")
        assert (rc, status) == (0, 403) and b"403 Forbidden" in body, (name, status, body)
        rc, ver, status, hdrs, body = curl(url + "/ret")
        assert (rc, status, body, hdrs.get("content-type")) == (0, 201, b"made-here", "text/plain"), (name, hdrs)
        rc, ver, status, hdrs, body = curl(url + "/ok", "-H", "cookie: a=1", "-H", "cookie: b=2")
        assert (rc, status, hdrs.get("x-res-rule")) == (0, 200, "200"), (name, status, hdrs)
        req = be.requests[-1]
        assert req.header("x-from-rule") == "2.0", (name, req.headers)
        assert req.header("cookie") == "a=1; b=2", (name, req.headers)   # RFC 9113 8.2.3


def track_cfg(sock, port, port1, be_port, rules, store):
    """A frontend with an HTTP/2 bind <port> and an HTTP/1.1 one <port1>,
    <rules>, and a table st storing <store>; admin socket <sock>."""
    return """
global
    stats socket %s level admin
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d proto h2
    bind 127.0.0.1:%d
    %s
    default_backend be
backend be
    server s1 127.0.0.1:%d
backend st
    stick-table type ip size 1k expire 1m store %s
""" % (sock, port, port1, rules, be_port, store)


def test_track_sc_counts_http2_like_http11(tollgate, haproxy, http_backend, tmp_path):
    """`http-request track-sc0 src`: an HTTP/2 request counts in the table
    exactly as an HTTP/1.1 one, on Tollgate as on HAProxy."""
    from httpbackend import get, table_entries
    be = http_backend("A")
    out = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port, port1 = free_port(), free_port()
        sock = str(tmp_path / (name + ".sock"))
        starter(track_cfg(sock, port, port1, be.port, "http-request track-sc0 src table st",
                          "http_req_cnt,http_req_rate(10s),http_err_cnt"), port=port)
        wait_until(lambda: admin_ready(sock), 10, name + " admin socket")
        counts = []
        for proto in ("h1", "h2", "h2", "h1"):
            if proto == "h1":
                assert get(port1, "/")[0] == 200
            else:
                assert curl("http://127.0.0.1:%d/" % port)[2] == 200
            e = table_entries(admin_cli(sock, "show table st"))[0]
            counts.append((e["http_req_cnt"], e["http_req_rate(10000)"]))
        assert curl("http://127.0.0.1:%d/x" % port, "-H", "x: y")[2] == 200
        out[name] = counts
        assert counts == [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")], (name, counts)
    assert out["tollgate"] == out["haproxy"], out


def h2_requests_one_connection(port, n, header, source="127.0.0.1"):
    """<n> GETs in turn on one HTTP/2 connection (python3-h2) from
    <source>; returns the open socket and the value of response field
    <header> of each."""
    import h2.events
    s, c = h2_client(port, source)
    got = []
    for i in range(n):
        sid = 1 + 2 * i
        c.send_headers(sid, [(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/")],
                       end_stream=True)
        s.sendall(c.data_to_send())
        for e in h2_events(s, c, lambda e: isinstance(e, h2.events.StreamEnded) and e.stream_id == sid):
            if isinstance(e, h2.events.ResponseReceived):
                got.append(dict(e.headers).get(header.encode(), b"").decode())
    return s, got


@pytest.mark.parametrize("rule", ["http-request track-sc0 src table st",
                                  "tcp-request connection track-sc0 src table st",
                                  "tcp-request session track-sc0 src table st"])
def test_sc0_on_one_connection_like_http11_and_haproxy(tollgate, haproxy, http_backend, tmp_path, rule):
    """N HTTP/2 requests on one connection count N in the table and see
    sc0_* as N HTTP/1.1 keep-alive requests do, whichever rule tracks the
    entry (the connection's entries are the streams' sc0, as in HAProxy);
    the entry is released when the connection closes. Each client comes
    from an address of its own (its entry), the readiness probes from
    127.0.0.1."""
    from httpbackend import PendingSocket, read_response, table_entries
    be = http_backend("A")
    out = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port, port1 = free_port(), free_port()
        sock = str(tmp_path / (name + ".sock"))
        starter(track_cfg(sock, port, port1, be.port, rule + "\n    http-response set-header x-c "
                          "%[sc0_http_req_cnt]/%[sc0_conn_cur]/%[sc0_sess_cnt]/%[sc_http_req_cnt(0)]",
                          "http_req_cnt,conn_cur,sess_cnt"), port=port1)
        wait_until(lambda: admin_ready(sock), 10, name + " admin socket")
        res = []
        def entry(src):
            return [x for x in table_entries(admin_cli(sock, "show table st")) if x["key"] == src]

        for proto, src in (("h2", "127.0.0.2"), ("h1", "127.0.0.3")):
            if proto == "h2":
                c, got = h2_requests_one_connection(port, 3, "x-c", src)
            else:
                c, got = PendingSocket(socket.AF_INET, socket.SOCK_STREAM), []
                c.settimeout(5)
                c.bind((src, 0))
                c.connect(("127.0.0.1", port1))
                for _ in range(3):
                    c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                    got.append(read_response(c)[1].get("x-c"))
            e = entry(src)
            c.close()
            wait_until(lambda: all(x["use"] == "0" and x["conn_cur"] == "0" for x in entry(src)),
                       5, name + " entry released")
            res.append((proto, got, [(x["http_req_cnt"], x["conn_cur"]) for x in e]))
        out[name] = res
    h2res, h1res = out["tollgate"]
    assert h2res[2] == h1res[2] == [("3", "1" if "tcp-request" in rule else "0")], out
    assert [v.split("/")[0] for v in h2res[1]] == ["1", "2", "3"], out
    assert out["tollgate"] == out["haproxy"], out


def test_trailers_from_chunked_response(tollgate, http_backend):
    """A chunked response's trailer (gRPC's status) reaches an HTTP/2
    client as trailing HEADERS."""
    def handler(req):
        return (b"HTTP/1.1 200 OK\r\nContent-Type: application/grpc\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n6\r\n world\r\n0\r\ngrpc-status: 0\r\nGrpc-Message: fine\r\n\r\n")
    be = http_backend("A", handler)
    port = free_port()
    tollgate(cfg(port, be.port), port=port)
    p = subprocess.run(["nghttp", "-v", "http://127.0.0.1:%d/svc" % port], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0 and "hello world" in p.stdout, p.stdout + p.stderr
    tail = p.stdout[p.stdout.index("hello world"):]
    assert re.search(r"recv \(stream_id=\d+\) grpc-status: 0", tail), p.stdout
    assert re.search(r"recv \(stream_id=\d+\) grpc-message: fine", tail), p.stdout
    assert re.search(r"recv HEADERS frame <length=\d+, flags=0x05", tail), p.stdout   # END_STREAM|END_HEADERS


def h2_client(port, source="127.0.0.1"):
    import h2.config
    import h2.connection
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    c.initiate_connection()
    s.sendall(c.data_to_send())
    return s, c


def h2_events(s, c, until):
    """Reads events until <until>(event) is true; returns them all. The
    DATA received is acknowledged (the connection's window reopens, even
    for a stream reset since)."""
    import h2.events
    got = []
    while True:
        d = s.recv(65536)
        if not d:
            return got
        evs = c.receive_data(d)
        for e in evs:
            if isinstance(e, h2.events.DataReceived):
                c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
        got += evs
        s.sendall(c.data_to_send())
        if any(until(e) for e in evs):
            return got


def test_client_reset_mid_response(tollgate, http_backend):
    """A client that resets a stream in the middle of a large response
    leaves the proxy healthy: the connection's other streams, and other
    clients, are served; the reset request is logged as a client abort."""
    import h2.events
    big = b"z" * (4 << 20)
    be = http_backend("A", lambda req: (200, [("Content-Type", "text/plain")], big if req.path == "/big" else b"small"))
    port = free_port()
    t = tollgate(cfg(port, be.port), port=port)
    s, c = h2_client(port)
    hdrs = [(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/big")]
    c.send_headers(1, hdrs, end_stream=True)
    s.sendall(c.data_to_send())
    h2_events(s, c, lambda e: isinstance(e, h2.events.DataReceived))
    c.reset_stream(1)
    c.send_headers(3, hdrs[:3] + [(":path", "/small")], end_stream=True)
    s.sendall(c.data_to_send())
    body = b""
    for e in h2_events(s, c, lambda e: isinstance(e, h2.events.StreamEnded) and e.stream_id == 3):
        if isinstance(e, h2.events.DataReceived) and e.stream_id == 3:
            body += e.data
    assert body == b"small", t.output()[-3000:]
    s.close()
    assert curl("http://127.0.0.1:%d/small" % port)[4] == b"small"
    wait_until(lambda: [l for l in log_lines(t, '/big HTTP/2.0"') if " CD-- " in l], 5, t.output())


def test_soft_stop_sends_goaway(tollgate, http_backend):
    """SIGUSR1: an idle HTTP/2 connection gets a GOAWAY (no error), then
    closes, and the process exits once it has."""
    import h2.events
    be = http_backend("A")
    port = free_port()
    t = tollgate(cfg(port, be.port), port=port)
    s, c = h2_client(port)
    c.send_headers(1, [(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/")],
                   end_stream=True)
    s.sendall(c.data_to_send())
    h2_events(s, c, lambda e: isinstance(e, h2.events.StreamEnded))
    t.signal(signal.SIGUSR1)
    ev = h2_events(s, c, lambda e: isinstance(e, h2.events.ConnectionTerminated))
    term = [e for e in ev if isinstance(e, h2.events.ConnectionTerminated)]
    assert term and term[0].error_code == 0 and term[0].last_stream_id == 1, ev
    s.close()
    assert t.wait_exit(10) == 0, t.output()


def test_config_errors(tmp_path):
    from conftest import run_check
    base = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:8443 proto h2 %s
    http-request return status 200
"""
    rc, out, path = run_check(base % "accept-proxy", tmp_path)
    assert rc == 0, out   # supported: test_h2_requests.py
    rc, out, _ = run_check(base % "" + "global\n    tune.h2.initial-window-size 1000000\n"
                           "    tune.h2.max-concurrent-streams 10\n", tmp_path)
    assert rc == 0, out
    rc, out, _ = run_check(base % "" + "global\n    tune.h2.max-frame-size 100\n", tmp_path)
    assert rc != 0 and "tune.h2.max-frame-size" in out, out


def test_preface_upgrades_http11_bind_like_haproxy(tollgate, haproxy, http_backend):
    """An HTTP/1.1 bind (no `proto`) whose client starts with the HTTP/2
    preface speaks HTTP/2 (prior knowledge), as on HAProxy; HTTP/1.1
    clients of the same bind are unaffected."""
    from httpbackend import get
    be = http_backend("A")
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        t = starter(cfg(port, be.port, bind_opts=""), port=port)
        rc, ver, status, hdrs, body = curl("http://127.0.0.1:%d/up" % port)
        assert (rc, ver, status, body) == (0, "2", 200, b"A GET /up\n"), (name, rc, ver, status, body)
        assert get(port, "/h1")[0] == 200
        # several streams on the upgraded connection
        p = subprocess.run(["nghttp", "-n", "http://127.0.0.1:%d/a" % port, "http://127.0.0.1:%d/b" % port],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, (name, p.stdout + p.stderr)
        wait_until(lambda: log_lines(t, '"GET http://127.0.0.1:%d/up HTTP/2.0"' % port), 5, t.output())


def test_later_streams_reuse_server_connections_like_haproxy(tollgate, haproxy, http_backend):
    """`http-reuse safe` (the default): the connection is the session, its
    first stream gets a server connection of its own, later streams may
    take the idle one, as on HAProxy."""
    import h2.events
    be = http_backend("A")
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, be.port), port=port)
        n0 = len(be.requests)
        # two requests one after the other on one HTTP/2 connection (curl
        # 7.88 fails to reuse a prior-knowledge connection: raw frames)
        s, c = h2_client(port)
        for sid, path in ((1, "/r1"), (3, "/r2")):
            c.send_headers(sid, [(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", path)],
                           end_stream=True)
            s.sendall(c.data_to_send())
            ev = h2_events(s, c, lambda e: isinstance(e, h2.events.StreamEnded) and e.stream_id == sid)
            assert b"".join(e.data for e in ev if isinstance(e, h2.events.DataReceived)) == \
                ("A GET %s\n" % path).encode(), (name, ev)
        s.close()
        r1, r2 = be.requests[n0:n0 + 2]
        assert r1.conn_id == r2.conn_id, (name, r1.conn_id, r2.conn_id)



def h2_batches(port, batches):
    """One HTTP/2 connection (python3-h2) sending <batches> one after the
    other, the requests of a batch concurrently; a request is (headers,
    body chunks, trailers). Returns the statuses, in order."""
    import h2.config
    import h2.connection
    import h2.events
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.initiate_connection()
    statuses = []
    for batch in batches:
        ids = []
        for headers, chunks, trailers in batch:
            sid = conn.get_next_available_stream_id()
            ids.append(sid)
            conn.send_headers(sid, headers, end_stream=not chunks and not trailers)
            for k, c in enumerate(chunks):
                conn.send_data(sid, c, end_stream=k == len(chunks) - 1 and not trailers)
            if trailers:
                conn.send_headers(sid, trailers, end_stream=True)
        s.sendall(conn.data_to_send())
        status, ended = {}, set()
        while len(ended) < len(ids):
            data = s.recv(65536)
            assert data, "connection closed"
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.ResponseReceived):
                    status[ev.stream_id] = int(dict(ev.headers)[b":status"])
                elif isinstance(ev, h2.events.DataReceived):
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                    ended.add(ev.stream_id)
            s.sendall(conn.data_to_send())
        statuses += [status.get(i) for i in ids]
    s.close()
    return statuses


def test_streams_of_one_connection_start_clean_like_haproxy(tollgate, haproxy, http_backend):
    """A connection keeps its finished streams for its next ones (the mux's
    spares, with their buffers): nothing of a request (body, cookies,
    chunked framing, pseudo-headers) may leak into a later one on the same
    connection, whatever their order, sizes and concurrency."""
    be = http_backend("A")
    seen = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, be.port), port=port)

        def get(path, auth="a.example"):
            return ([(":method", "GET"), (":scheme", "http"), (":authority", auth), (":path", path)], [], None)
        big = [(":method", "POST"), (":scheme", "http"), (":authority", "a.example"), (":path", "/post"),
               ("content-length", "5000"), ("cookie", "a=1"), ("cookie", "b=2")]
        chunked = [(":method", "PUT"), (":scheme", "http"), (":authority", "b.example"), (":path", "/chunked")]
        batches = [[(big, [b"p" * 5000], None), (chunked, [b"c" * 1000, b"c" * 2000], [("x-t", "1")])]]
        batches += [[get("/get/%d/%d?q=%s" % (b, i, "x" * (b * 100 + i)), "h%d.example" % i) for i in range(10)]
                    for b in range(5)]                      # more than a connection keeps (H2C_SPARE_MAX)
        batches += [[get("/seq/%d" % i)] for i in range(5)]
        n0 = len(be.requests)
        assert h2_batches(port, batches) == [200] * 57, name
        seen[name] = sorted((r.method, r.path, r.header("cookie"), len(r.body), r.header("transfer-encoding"),
                             r.header("content-length"), r.header("host")) for r in be.requests[n0:])
    assert seen["tollgate"] == seen["haproxy"], seen
    reqs = {r[1]: r for r in seen["tollgate"]}
    assert reqs["/post"][2:4] == ("a=1; b=2", 5000), reqs["/post"]
    assert reqs["/chunked"][2:5] == (None, 3000, "chunked"), reqs["/chunked"]
    for b in range(5):
        for i in range(10):
            r = reqs["/get/%d/%d?q=%s" % (b, i, "x" * (b * 100 + i))]
            assert r == ("GET", r[1], None, 0, None, None, "h%d.example" % i), r
