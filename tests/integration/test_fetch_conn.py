"""Fetches of the stream's connections and state: the TCP_INFO counters
(fc_lost, fc_retrans, fc_sacked, fc_reordering, fc_fackets, fc_unacked) and
bc_http_major, compared with HAProxy 2.6 on the same traffic; the 3.x ones
(txn.sess_term_state, bc_be_queue, bc_srv_queue, fe_tarpit_timeout)
against Tollgate's own log line and configuration."""
import re
import subprocess

from conftest import free_port, run_check, wait_until
from httpbackend import connect, read_response

TCPI = ["fc_lost", "fc_retrans", "fc_sacked", "fc_reordering", "fc_fackets", "fc_unacked"]


def cfg(port, bport, fmt, rules=""):
    return """
global
    log stdout format raw local0
defaults
    mode http
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 2s
    timeout tarpit 700
frontend fe
    bind 127.0.0.1:%d
    log-format "%s"
%s
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, fmt, rules, bport)


def get(port, path):
    with connect(port) as s:
        cport = s.getsockname()[1]
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        st, hd = read_response(s)[:2]
    return cport, st, hd


def log_of(t, cport):
    rx = re.compile(r"^L %d (.*)$" % cport, re.M)
    wait_until(lambda: rx.search(t.output()), 5, "log line of %d in:\n%s" % (cport, t.output()))
    return rx.search(t.output()).group(1)


def run_tcpi(start, http_backend):
    b = http_backend("A")
    port = free_port()
    t = start(cfg(port, b.port, "L %cp " + " ".join("%%[%s]" % f for f in TCPI),
                  "    http-response set-header X-Major %[bc_http_major]\n"
                  "    http-response set-header X-Unacked %[fc_unacked]"), port=port)
    cport, st, hd = get(port, "/")
    assert st == 200
    return log_of(t, cport), hd["x-major"], hd["x-unacked"]


def test_tcp_info_and_bc_http_major_agree_with_haproxy(tollgate, haproxy, http_backend):
    ours = run_tcpi(tollgate, http_backend)
    theirs = run_tcpi(haproxy, http_backend)
    assert ours == theirs
    # six integers, the reordering metric of Linux starts at 3
    vals = ours[0].split()
    assert len(vals) == 6 and all(v.isdigit() for v in vals) and vals[3] == "3", ours
    assert ours[1] == "1"


def test_term_state_queues_and_tarpit_timeout(tollgate, http_backend):
    b = http_backend("A")
    port = free_port()
    t = tollgate(cfg(port, b.port, "L %cp %ts %bq %sq | %[txn.sess_term_state] %[bc_be_queue] %[bc_srv_queue]",
                     "    http-request deny if { path /deny }\n"
                     "    http-response set-header X-Term %[txn.sess_term_state]\n"
                     "    http-response set-header X-Tarpit %[fe_tarpit_timeout]"), port=port)
    cport, st, hd = get(port, "/")
    assert st == 200 and hd["x-term"] == "--" and hd["x-tarpit"] == "700"
    left, right = log_of(t, cport).split(" | ")
    assert left.split() == right.split() == ["--", "0", "0"]
    cport, st, _ = get(port, "/deny")
    assert st == 403
    left, right = log_of(t, cport).split(" | ")
    assert left.split() == right.split() and right.split()[0] == "PR", (left, right)


SO_CFG = """
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d
    bind 127.0.0.1:%d id 1
    bind 127.0.0.1:%d
    bind 127.0.0.1:%d,127.0.0.1:%d
    bind 127.0.0.1:%d id 3
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain lf-string "so=%%[so_id]"
"""


def so_ids(start):
    ports = [free_port() for _ in range(7)]
    start(SO_CFG % tuple(ports), port=ports[-1])
    out = []
    for p in ports:
        with connect(p) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            out.append(read_response(s)[3])
    return out


def test_so_id_numbers_bind_lines_like_haproxy(tollgate, haproxy):
    # given ids are kept; the others count on from 1, past every bind line
    ours = so_ids(tollgate)
    assert ours == so_ids(haproxy)
    assert ours == [b"so=2", b"so=1", b"so=4", b"so=5", b"so=6", b"so=3", b"so=8"]


def test_so_id_given_twice_is_an_error(tmp_path):
    rc, out, _ = run_check("frontend fe\n    bind 127.0.0.1:1 id 3\n    bind 127.0.0.1:2 id 3\n", tmp_path)
    assert rc != 0 and "t.cfg:3" in out and "custom id 3" in out, out
    rc, out, _ = run_check("frontend fe\n    bind 127.0.0.1:1 id x\n", tmp_path)
    assert rc != 0 and "t.cfg:2" in out and "'id' expects a positive integer" in out, out


def test_fc_streams_over_h1_and_h2(tollgate):
    # HTTP/1.1: one stream, limit 1; HTTP/2: the open streams and the
    # SETTINGS_MAX_CONCURRENT_STREAMS advertised
    p1, p2 = free_port(), free_port()
    tollgate("""
global
    tune.h2.fe.max-concurrent-streams 37
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d
    bind 127.0.0.1:%d proto h2
    http-request return status 200 content-type text/plain lf-string "nb=%%[fc_nb_streams] max=%%[fc_settings_streams_limit]"
""" % (p1, p2), port=p1)
    out = {}
    for p, opt in ((p1, "--http1.1"), (p2, "--http2-prior-knowledge")):
        r = subprocess.run(["curl", "-sS", "--max-time", "5", opt, "http://127.0.0.1:%d/" % p],
                           capture_output=True, text=True, timeout=15)
        out[p] = r.stdout
    assert out == {p1: "nb=1 max=1", p2: "nb=1 max=37"}
