"""Proxy `option` keywords that common HAProxy configurations carry:
dontlog-normal, http-ignore-probes, forwarded, and the tunings accepted
with a warning that they have no effect (doc/configuration.md)."""
import re
import subprocess
import socket

import pytest

from conftest import free_port, run_check, wait_port, HAPROXY
from httpbackend import connect, read_response, read_until_close


def cfg(port, b, extra_fe="", extra_be="", timeouts="timeout client 5s"):
    return "\n".join([
        "global", "    log stdout format raw local0",
        "defaults", "    mode http", "    log global", "    option httplog",
        "    %s" % timeouts, "    timeout server 5s", "    timeout connect 2s",
        "frontend fe", "    bind 127.0.0.1:%d" % port, extra_fe,
        "    http-request deny if { path_beg /bad }",
        "    default_backend be",
        "backend be", extra_be, "    server s1 127.0.0.1:%d" % b.port, ""])


def get(port, path, host="x"):
    with connect(port) as s:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path.encode(), host.encode()))
        st, _, _, _ = read_response(s)
        return st


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_dontlog_normal_logs_only_errors(which, tollgate, haproxy, http_backend):
    b = http_backend("A")
    port = free_port()
    start = tollgate if which == "tollgate" else haproxy
    p = start(cfg(port, b, extra_fe="    option dontlog-normal"), port=port)
    assert get(port, "/ok1") == 200
    assert get(port, "/bad1") == 403
    assert get(port, "/ok2") == 200
    assert get(port, "/bad2") == 403
    p.wait_log("/bad2")
    out = p.output()
    assert "/bad1" in out and "/ok1" not in out and "/ok2" not in out, out


def test_dontlog_normal_no_form_logs_all(tollgate, http_backend):
    b = http_backend("A")
    port = free_port()
    t = tollgate(cfg(port, b, extra_fe="    option dontlog-normal\n    no option dontlog-normal"), port=port)
    assert get(port, "/ok1") == 200
    t.wait_log("/ok1")


def logged_408(out):
    """True when a log line has status 408 (the field after the timers, not
    a port number or a byte count that happens to contain the digits)."""
    return re.search(r"\] \S+ \S+ \S+ 408 ", out) is not None


def probe(port):
    """Connects, sends nothing, returns what comes back before the close."""
    with connect(port) as s:
        return read_until_close(s)


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_http_ignore_probes(which, tollgate, haproxy, http_backend):
    b = http_backend("A")
    res = {}
    start = tollgate if which == "tollgate" else haproxy
    for opt in ("", "    option http-ignore-probes"):
        port = free_port()
        p = start(cfg(port, b, extra_fe=opt, timeouts="timeout client 5s\n    timeout http-request 300ms"),
                  port=port, name="p%d.cfg" % len(res))
        res[opt] = probe(port)
        assert get(port, "/after") == 200
        p.wait_log("/after")
        res[opt + "log"] = p.output()
    assert res[""].startswith(b"HTTP/1.1 408"), res[""]
    assert logged_408(res["log"]), res["log"]
    assert res["    option http-ignore-probes"] == b""
    assert not logged_408(res["    option http-ignore-probes" + "log"])


def forwarded_of(port, b, host="x"):
    assert get(port, "/f", host) == 200
    return b.requests[-1].header("Forwarded")


def test_forwarded_default_is_proto_and_for(tollgate, http_backend):
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, b, extra_be="    option forwarded"), port=port)
    assert forwarded_of(port, b) == "proto=http;for=127.0.0.1"


def test_forwarded_all_parameters(tollgate, http_backend):
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, b, extra_be="    option forwarded proto host by by_port for for_port"), port=port)
    v = forwarded_of(port, b, host="www.example.com:8080")
    assert re.fullmatch(r'proto=http;host="www\.example\.com:8080";by="127\.0\.0\.1:%d";for="127\.0\.0\.1:\d+"' % port, v), v
    # an invalid host is left empty, as HAProxy does
    v = forwarded_of(port, b, host="bad_host!")
    assert v.startswith('proto=http;host="";by='), v


def test_forwarded_ipv6_and_no_option(tollgate, http_backend):
    b = http_backend("A")
    port = free_port()
    text = cfg(port, b, extra_be="    option forwarded for by").replace(
        "bind 127.0.0.1:%d" % port, "bind [::1]:%d" % port)
    tollgate(text, port=None)
    wait_port(port, host="::1")
    with socket.create_connection(("::1", port), timeout=5) as s:
        s.sendall(b"GET /6 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert s.recv(12) == b"HTTP/1.1 200"
    assert b.requests[-1].header("Forwarded") == 'by="[::1]";for="[::1]"'
    port2 = free_port()
    tollgate(cfg(port2, b, extra_be="    no option forwarded"), port=port2, name="n.cfg")
    assert forwarded_of(port2, b) is None


def test_forwarded_config_errors(tmp_path):
    rc, out, path = run_check(cfg(8080, type("B", (), {"port": 1}), extra_fe="    option forwarded"), tmp_path)
    assert rc == 0 and "[WARNING]" in out and "option forwarded" in out and "%s:12" % path in out, out
    rc, out, path = run_check(cfg(8080, type("B", (), {"port": 1}), extra_be="    option forwarded for_port"), tmp_path)
    assert rc == 0 and "'for_port' will be ignored" in out and "%s:16" % path in out, out
    rc, out, path = run_check(cfg(8080, type("B", (), {"port": 1}), extra_be="    option forwarded nope"), tmp_path)
    assert rc != 0 and "[ALERT]" in out and "%s:16" % path in out and "'nope'" in out, out
    rc, out, _ = run_check(cfg(8080, type("B", (), {"port": 1}), extra_be="    option forwarded for-expr src"), tmp_path)
    assert rc != 0 and "not supported yet" in out, out


NOEFFECT = ["http-no-delay", "tcp-smart-accept", "tcp-smart-connect", "http-pretend-keepalive",
            "contstats", "checkcache", "logasap", "nolinger", "socket-stats", "persist",
            "independent-streams"]


@pytest.mark.parametrize("opt", NOEFFECT)
def test_noeffect_options_warn(opt, tmp_path):
    for form in ("option", "no option"):
        text = cfg(8080, type("B", (), {"port": 1}), extra_fe="    %s %s" % (form, opt))
        rc, out, path = run_check(text, tmp_path)
        assert rc == 0, out
        assert "[WARNING]" in out and "%s:12" % path in out and "no effect" in out and opt in out, out
        # HAProxy 2.6 accepts them as well
        rc, out, _ = run_check(text, tmp_path, name="h.cfg", binary=HAPROXY)
        assert rc == 0, out


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_errorloc_redirects_errors(which, tollgate, haproxy, http_backend):
    b = http_backend("A")
    port = free_port()
    start = tollgate if which == "tollgate" else haproxy
    start(cfg(port, b, extra_fe="    errorloc 403 http://err.example/denied\n"
                               "    errorloc303 503 /down\n"
                               "    use_backend nowhere if { path_beg /none }")
          + "backend nowhere\n", port=port)
    with connect(port) as s:
        s.sendall(b"GET /bad HTTP/1.1\r\nHost: x\r\n\r\n")
        st, h, _, body = read_response(s)
    assert (st, h.get("location"), h.get("cache-control"), body) == (302, "http://err.example/denied", "no-cache", b"")
    with connect(port) as s:
        s.sendall(b"GET /none HTTP/1.1\r\nHost: x\r\n\r\n")
        st, h, _, body = read_response(s)
    assert (st, h.get("location"), body) == (303, "/down", b"")


def check_refused(tmp_path, needle, **extra):
    """`tollgate -c` on cfg() with <extra> fails naming the extra line and <needle>."""
    rc, out, path = run_check(cfg(8080, type("B", (), {"port": 1}), **extra), tmp_path)
    line = 12 if "extra_fe" in extra else 16
    assert rc != 0 and "%s:%d" % (path, line) in out and needle in out, out


def test_errorloc_config_errors(tmp_path):
    b = type("B", (), {"port": 1})
    check_refused(tmp_path, "'errorloc' expects <code> and <url>", extra_fe="    errorloc 403")
    check_refused(tmp_path, "'abc' is not a status code", extra_fe="    errorloc303 abc /x")
    rc, out, path = run_check(cfg(8080, b, extra_fe="    errorloc302 403 /e"), tmp_path)
    assert rc == 0 and "[WARNING]" not in out, out


def listen_backlog(port):
    out = subprocess.run(["ss", "-ltnH", "sport = :%d" % port], capture_output=True, text=True).stdout
    return {int(line.split()[2]) for line in out.splitlines() if line.strip()}


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_backlog_of_the_binds(which, tollgate, haproxy, http_backend):
    b = http_backend("A")
    port, port2 = free_port(), free_port()
    start = tollgate if which == "tollgate" else haproxy
    start(cfg(port, b, extra_fe="    backlog 77\n    bind 127.0.0.1:%d backlog 33" % port2), port=port)
    assert listen_backlog(port) == {77}
    assert listen_backlog(port2) == {33}


NOEFFECT_KW = ["log-tag web", "hash-balance-factor 150", "max-keep-alive-queue 10",
               "force-persist if TRUE", "ignore-persist if TRUE"]


@pytest.mark.parametrize("kw", NOEFFECT_KW)
def test_noeffect_keywords_warn(kw, tmp_path):
    text = cfg(8080, type("B", (), {"port": 1}), extra_be="    " + kw)
    rc, out, path = run_check(text, tmp_path)
    assert rc == 0 and "[WARNING]" in out and "%s:16" % path in out and "no effect" in out, out
    rc, out, _ = run_check(text, tmp_path, name="h.cfg", binary=HAPROXY)
    assert rc == 0, out


def keepalive_timer(filt):
    """The keep-alive timer seconds of the established sockets matching
    <filt> (an ss filter), None for a socket without one."""
    out = subprocess.run(["ss", "-tnoH", "state", "established", filt], capture_output=True, text=True).stdout
    res = []
    for line in out.splitlines():
        m = re.search(r"timer:\(keepalive,([0-9.]+)(min|sec|ms)", line)
        res.append(None if not m else float(m.group(1)) * {"min": 60, "sec": 1, "ms": 0.001}[m.group(2)])
    return res


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_tcp_keepalive_options(which, tollgate, haproxy, backend):
    b = backend("A", "echo")
    port = free_port()
    start = tollgate if which == "tollgate" else haproxy
    start("\n".join(["defaults", "    mode tcp", "    timeout client 30s", "    timeout server 30s",
                     "    timeout connect 2s",
                     "listen l", "    bind 127.0.0.1:%d" % port,
                     "    option clitcpka", "    clitcpka-idle 50", "    clitcpka-intvl 5", "    clitcpka-cnt 3",
                     "    option srvtcpka", "    srvtcpka-idle 30s", "    srvtcpka-cnt 4",
                     "    server s1 127.0.0.1:%d" % b.port, ""]), port=port)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"ping")
        assert s.recv(10)
        cli = keepalive_timer("sport = :%d" % port)
        srv = keepalive_timer("dport = :%d" % b.port)
    assert len(cli) == 1 and cli[0] is not None and 40 < cli[0] <= 50, cli
    assert len(srv) == 1 and srv[0] is not None and 20 < srv[0] <= 30, srv


def test_tcp_keepalive_off_without_option(tollgate, backend):
    b = backend("A", "echo")
    port = free_port()
    tollgate("\n".join(["defaults", "    mode tcp", "    timeout client 30s", "    timeout server 30s",
                        "    timeout connect 2s",
                        "listen l", "    bind 127.0.0.1:%d" % port, "    clitcpka-idle 70",
                        "    server s1 127.0.0.1:%d" % b.port, ""]), port=port)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"ping")
        assert s.recv(10)
        assert keepalive_timer("sport = :%d" % port) == [None]


def test_tcp_keepalive_config_errors(tmp_path):
    for kw, why in (("clitcpka-idle 500ms", "below one second"), ("clitcpka-cnt x", "clitcpka-cnt"),
                    ("srvtcpka-intvl 5", "not allowed in 'frontend'")):
        check_refused(tmp_path, why, extra_fe="    " + kw)


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_http_send_name_header(which, tollgate, haproxy, http_backend):
    a, c = http_backend("A"), http_backend("B")
    port = free_port()
    start = tollgate if which == "tollgate" else haproxy
    text = cfg(port, a, extra_be="    balance roundrobin\n    http-send-name-header X-Srv") \
        + "    server s2 127.0.0.1:%d\n" % c.port
    start(text, port=port)
    for i in range(2):
        with connect(port) as s:
            s.sendall(b"GET /n HTTP/1.1\r\nHost: x\r\nX-Srv: forged\r\nConnection: close\r\n\r\n")
            assert read_response(s)[0] == 200
    assert [r.header_all("X-Srv") for r in a.requests + c.requests] == [["s1"], ["s2"]]


def test_http_send_name_header_config_errors(tmp_path):
    check_refused(tmp_path, "http-send-name-header", extra_fe="    http-send-name-header X-Srv")
    check_refused(tmp_path, "requires a header string", extra_be="    http-send-name-header")
