"""`silent-drop` (tcp and http-request rules, and http-response rules,
where the server's response is dropped too): the client's connection disappears without a FIN or a RST
(TCP_REPAIR, which root may use), so the client keeps waiting; with
`rst-ttl` a RST is sent instead. Compared with HAProxy 2.6 where it has
the action (it has no rst-ttl). doc/configuration.md, "silent-drop"."""
import socket

import pytest

from conftest import free_port, run_check
from httpbackend import connect, read_response

# How long the client watches a dropped connection for a FIN or RST: on
# loopback either arrives within microseconds of the close.
WATCH_S = 0.8


def cfg(port, b, rst=False):
    return "\n".join([
        "defaults", "    mode http",
        "    timeout client 5s", "    timeout server 5s", "    timeout connect 2s",
        # defer-accept: a connection is accepted (and dropped) only once
        # its request is in; a request arriving after the drop would meet
        # the kernel's RST for a socket that no longer exists
        "frontend fe", "    bind 127.0.0.1:%d defer-accept" % port,
        "    tcp-request connection silent-drop if { src 127.0.0.7 }",
        "    http-request silent-drop if { path /drop }",
        "    http-request silent-drop rst-ttl 4 if { path /rst }" if rst else "",
        "    default_backend be",
        "backend be", "    server s1 127.0.0.1:%d" % b.port, ""])


def sees_nothing(s):
    """True when neither data, a FIN nor a RST reaches <s> in WATCH_S."""
    s.settimeout(WATCH_S)
    try:
        data = s.recv(100)
    except socket.timeout:
        return True
    except ConnectionResetError:
        return False
    assert data == b"", data
    return False


def get(port):
    with connect(port) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return read_response(s)[0]


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_http_and_connection_silent_drop_like_haproxy(which, tollgate, haproxy, http_backend):
    b = http_backend("A")
    port = free_port()
    (tollgate if which == "tollgate" else haproxy)(cfg(port, b), port=port)
    with connect(port) as s:
        s.sendall(b"GET /drop HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sees_nothing(s)
    c = socket.socket()
    c.bind(("127.0.0.7", 0))
    c.connect(("127.0.0.1", port))
    try:
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sees_nothing(c)
    finally:
        c.close()
    assert get(port) == 200   # the proxy goes on serving


def test_rst_ttl_sends_a_reset(tollgate, http_backend):
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, b, rst=True), port=port)
    with connect(port) as s:
        s.sendall(b"GET /rst HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        with pytest.raises(ConnectionResetError):
            s.recv(100)
    assert get(port) == 200


@pytest.mark.parametrize("line", ["http-request silent-drop rst-ttl", "http-request silent-drop rst-ttl 0",
                                  "tcp-request connection silent-drop rst-ttl x"])
def test_bad_rst_ttl_is_refused(line, tmp_path):
    text = "\n".join(["defaults", "    mode http", "    timeout client 5s", "    timeout server 5s",
                      "    timeout connect 2s", "frontend fe", "    bind 127.0.0.1:1", "    " + line, ""])
    rc, out, path = run_check(text, tmp_path)
    assert rc != 0 and "%s:8" % path in out and "rst-ttl" in out, out


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_http_response_silent_drop_like_haproxy(which, tollgate, haproxy, http_backend):
    b = http_backend("A")
    port = free_port()
    cfg = "\n".join([
        "defaults", "    mode http",
        "    timeout client 5s", "    timeout server 5s", "    timeout connect 2s",
        "frontend fe", "    bind 127.0.0.1:%d" % port,
        "    http-response silent-drop if { var(txn.p) -m beg /drop }",
        "    http-request set-var(txn.p) path",
        "    default_backend be",
        "backend be", "    server s1 127.0.0.1:%d" % b.port, ""])
    (tollgate if which == "tollgate" else haproxy)(cfg, port=port)
    with connect(port) as s:
        s.sendall(b"GET /drop HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sees_nothing(s)
    with connect(port) as s:
        s.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert read_response(s)[0] == 200
