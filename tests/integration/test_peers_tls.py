"""Peers over TLS: `bind ... ssl crt ...` in a peers section and `ssl
verify ... ca-file ... crt ...` on its peer/server lines (and on
`default-server`), as HAProxy 2.6 has them.

Two Tollgate nodes replicate a table over TLS; peers that trust the wrong
CA never establish their link, say why in the log and in `show peers`;
plain-text or garbage bytes sent to a TLS peers port are a failed
handshake with a log line naming the address; Tollgate and HAProxy 2.6
replicate over TLS in both directions.
"""
import re
import socket

import pytest

import tlscerts
from conftest import HAPROXY, admin_cli, admin_ready, free_port, run_check, wait_until
from test_peers import closed, entry, established, field, get, node_cfg, wait_field


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """Two CAs; a peer certificate signed by each."""
    d = str(tmp_path_factory.mktemp("peercerts"))
    p = {"ca": tlscerts.make_ca(d, "ca"), "ca2": tlscerts.make_ca(d, "ca2")}
    p["pem"] = tlscerts.make_cert(d, "peer", ["peer.test"], "ec")
    p["pem2"] = tlscerts.make_cert(d, "peer2", ["peer.test"], "ec", ca="ca2")
    return p


def tls_cfg(me, ports, fe, sock, pem, ca):
    """A node of section `mesh` over TLS: `bind` for itself, `server`
    lines (the local one without an address), TLS options given once on
    `default-server`."""
    servers = "\n".join("    server %s%s" % (n, "" if n == me else " 127.0.0.1:%d" % p)
                        for n, p in sorted(ports.items()))
    return node_cfg(me, ports, fe, sock, table="stick-table type ip size 1k expire 60s store http_req_cnt,gpc0 "
                    "peers mesh", lines="    bind 127.0.0.1:%d ssl crt %s\n"
                    "    default-server ssl verify required ca-file %s\n%s" % (ports[me], pem, ca, servers))


def start_pair(tmp_path, start_a, start_b, certs, pem_b="pem", ca_b="ca", a_sees_b=None):
    """A and B over TLS; with <a_sees_b> (a port refusing connections), A
    has that address for B: only B connects, so A is the TLS server."""
    ports = {"A": free_port(), "B": free_port()}
    fa, fb = free_port(), free_port()
    sa, sb = str(tmp_path / "a.sock"), str(tmp_path / "b.sock")
    a = start_a(tls_cfg("A", dict(ports, B=a_sees_b) if a_sees_b else ports, fa, sa, certs["pem"], certs["ca"]),
                port=fa, args=("-L", "A"), name="a.cfg")
    b = start_b(tls_cfg("B", ports, fb, sb, certs[pem_b], certs[ca_b]), port=fb, args=("-L", "B"), name="b.cfg")
    wait_until(lambda: admin_ready(sa) and admin_ready(sb), 5, "the admin sockets")
    return a, b, fa, fb, sa, sb, ports


def test_two_tollgates_replicate_over_tls(tmp_path, tollgate, certs):
    a, b, fa, fb, sa, sb, _ = start_pair(tmp_path, tollgate, tollgate, certs)
    wait_until(lambda: established(sa, "B") and established(sb, "A"), 8, "the TLS link")
    get(fa, src="127.0.0.2")
    get(fa, src="127.0.0.2")
    wait_field(sb, "stkt", "127.0.0.2", "http_req_cnt", 2)
    get(fb, src="127.0.0.3")
    wait_field(sa, "stkt", "127.0.0.3", "http_req_cnt", 1)
    # the link is TLS: its handshakes show in the TLS counters of both
    for s in (sa, sb):
        assert int(re.search(r"CumSslConns: (\d+)", admin_cli(s, "show info")).group(1)) >= 1
    assert "proto_err=0" in admin_cli(sa, "show peers")


def test_wrong_ca_never_connects_and_show_peers_says_why(tmp_path, tollgate, certs):
    # B's certificate and trust come from another CA: neither side can
    # verify the other, in either direction
    a, b, fa, fb, sa, sb, ports = start_pair(tmp_path, tollgate, tollgate, certs, pem_b="pem2", ca_b="ca2")
    # B starts second: its first attempt is a TLS failure (A's first one
    # was refused, and a series of failures is logged once)
    b.wait_log("Peer 'A' (peers 'mesh'): connection failed: SSL handshake failure (certificate verify failed: ")
    assert re.search(r"certificate verify failed: self-signed certificate in certificate chain\) "
                     r"\(address 127\.0\.0\.1:%d\)" % ports["A"], b.output()), b.output()
    # the other side logs the failure with the address it came from, and
    # the alert's reason when it read the alert before the peer's reset;
    # a reset found first ends the handshake without reading it, as
    # HAProxy does (xprt.md), which a slow (TSan) run sees
    a.wait_log("Peers 'mesh': connection from 127.0.0.1:")
    assert re.search(r"connection from 127\.0\.0\.1:\d+ closed: SSL handshake failure"
                     r"( \(tlsv1 alert unknown ca\))?\.?$", a.output(), re.M), a.output()
    wait_until(lambda: "tls_error=\"self-signed certificate in certificate chain\""
               in admin_cli(sa, "show peers"), 5, "show peers names the TLS error")
    get(fa, src="127.0.0.4")
    out = admin_cli(sa, "show peers")
    assert re.search(r"id=B\(remote,inactive\)", out), out
    assert entry(sb, "stkt", "127.0.0.4") is None
    assert a.proc.poll() is None and b.proc.poll() is None


@pytest.mark.parametrize("garbage", [
    b"HAProxyS 2.1\nA\nB 1234 1\n",                          # the peers protocol in clear text
    b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00" * 4,         # a truncated, malformed ClientHello
])
def test_clear_text_or_garbage_to_a_tls_peers_port(tmp_path, tollgate, certs, garbage):
    ports = {"A": free_port(), "B": free_port()}
    fa, sa = free_port(), str(tmp_path / "a.sock")
    a = tollgate(tls_cfg("A", ports, fa, sa, certs["pem"], certs["ca"]), port=fa, args=("-L", "A"))
    wait_until(lambda: admin_ready(sa), 5, "the admin socket")
    s = socket.create_connection(("127.0.0.1", ports["A"]), timeout=5)
    s.sendall(garbage)
    try:
        assert not s.recv(4096).startswith(b"200")         # never a peers status in clear text
    except ConnectionResetError:
        pass
    assert closed(s)
    a.wait_log("Peers 'mesh': connection from 127.0.0.1:%d closed: SSL handshake failure"
               % s.getsockname()[1])
    s.close()
    assert a.proc.poll() is None
    assert "id=A(local" in admin_cli(sa, "show peers")


@pytest.mark.parametrize("tls_client", ["tollgate", "haproxy"])
def test_with_haproxy_over_tls_both_directions(tmp_path, tollgate, haproxy, dead_port, certs, tls_client):
    """Tollgate as the TLS client of HAProxy, then as its TLS server: the
    server side (A) has a dead address for its peer, so the one link is
    the client's; updates then flow both ways on it."""
    server, client = (haproxy, tollgate) if tls_client == "tollgate" else (tollgate, haproxy)
    a, b, fa, fb, sa, sb, ports = start_pair(tmp_path, server, client, certs, a_sees_b=dead_port)
    st, ft, sh, fh, name_h = (sb, fb, sa, fa, "A") if tls_client == "tollgate" else (sa, fa, sb, fb, "B")
    wait_until(lambda: established(st, name_h), 8, "tollgate and haproxy linked over TLS")
    get(ft, src="127.0.0.5")
    wait_field(sh, "stkt", "127.0.0.5", "http_req_cnt", 1)
    get(fh, src="127.0.0.6")
    get(fh, src="127.0.0.6")
    wait_field(st, "stkt", "127.0.0.6", "http_req_cnt", 2)
    out = admin_cli(st, "show peers")
    assert "proto_err=0" in out
    # the link's transport, and its destination: A's peers port either way
    assert re.search(r"xprt=SSL src=127\.0\.0\.1:\d+ addr=127\.0\.0\.1:%d\n" % ports["A"], out), out


@pytest.mark.parametrize("line,msg", [
    ("bind 127.0.0.1:%d ssl", "'ssl' needs at least one certificate"),
    ("bind 127.0.0.1:%d ssl crt /nonexistent.pem", "/nonexistent.pem"),
    ("bind 127.0.0.1:%d\n    server A\n    server B 127.0.0.1:1 ssl verify maybe", "'verify' : expected"),
    ("bind 127.0.0.1:%d\n    server A\n    server B 127.0.0.1:1 ssl", "no CA file specified"),
    ("bind 127.0.0.1:%d\n    server A\n    server B 127.0.0.1:1 ssl sni x", "option 'sni' is not supported on peers"),
])
def test_tls_config_errors_name_the_line(tmp_path, line, msg):
    cfg = ("global\n    localpeer A\npeers mesh\n    " + line % free_port() +
           "\nbackend stkt\n    stick-table type ip size 1k peers mesh\n")
    rc, out, path = run_check(cfg, tmp_path)
    assert rc != 0, out
    assert "%s:" % path in out and msg in out, out


def test_reload_teaches_the_new_process_over_tls(tmp_path, tollgate, certs):
    """The local peer's line carries the `default-server ssl` options: the
    old process of a reload connects to the new one's TLS bind with them."""
    ports = {"A": free_port()}      # alone: up to date at once, it teaches a full lesson
    fa, sa = free_port(), str(tmp_path / "a.sock")
    text = tls_cfg("A", ports, fa, sa, certs["pem"], certs["ca"]).replace(
        "level admin", "level admin expose-fd listeners")
    old = tollgate(text, port=fa, args=("-L", "A"), name="a.cfg")
    wait_until(lambda: admin_ready(sa), 5, "the admin socket")
    get(fa, src="127.0.0.7")
    get(fa, src="127.0.0.7")
    new = tollgate(text, args=("-L", "A", "-x", sa, "-sf", str(old.proc.pid)), name="a.cfg")
    assert old.wait_exit(timeout=30) == 0, old.output()
    new.wait_log("Peers 'mesh': full resync learned from the old process")
    assert "SSL" not in new.output() and "non-SSL" not in old.output()
    wait_until(lambda: admin_ready(sa), 5, "the new admin socket")
    assert field(entry(sa, "stkt", "127.0.0.7"), "http_req_cnt") == 2
    # the lesson came over TLS: the new process accepted one TLS connection
    assert int(re.search(r"CumSslConns: (\d+)", admin_cli(sa, "show info")).group(1)) >= 1


@pytest.mark.parametrize("section,warning", [
    # the 1.x form listens in clear text whatever its local line says
    ("    peer A 127.0.0.1:%d ssl verify none\n    peer B 127.0.0.1:1 ssl verify none\n",
     "local peer have a non-SSL listener and a SSL server configured"),
    ("    bind 127.0.0.1:%d ssl crt {pem}\n    server A\n    server B 127.0.0.1:1 ssl verify none\n",
     "local peer have a SSL listener and a non-SSL server configured"),
])
def test_local_peer_and_listener_tls_mismatch_is_warned_as_haproxy(tmp_path, certs, section, warning):
    cfg = ("global\n    localpeer A\npeers mesh\n" + section.format(pem=certs["pem"]) % free_port() +
           "backend stkt\n    stick-table type ip size 1k peers mesh\n")
    for binary in (None, HAPROXY):
        rc, out, path = run_check(cfg, tmp_path, **({"binary": binary, "name": "h.cfg"} if binary else {}))
        assert rc == 0 and warning in out and path in out, out
