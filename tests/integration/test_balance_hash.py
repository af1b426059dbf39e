"""Hash-based balancing as HAProxy 2.6: the same key reaches the same
server with the same configuration, for map-based tables and consistent
trees, equal or unequal weights, every hash function (sdbm, djb2, wt6,
crc32, with or without avalanche) and `balance source` (the client
address's words). Many keys go through both and each must land on the
same server."""
import socket

import pytest

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import PendingSocket, read_response

KEYS = ["/k%d" % i for i in range(48)] + ["/user/%d/profile" % (i * 7919) for i in range(16)]


def cfg(port, bes, balance, hash_type, weights, ids=None):
    servers = []
    for i, b in enumerate(bes):
        line = "    server s%d 127.0.0.1:%d weight %d" % (i + 1, b.port, weights[i])
        if ids:
            line += " id %d" % ids[i]
        servers.append(line)
    return HTTP_DEFAULTS + """
listen px
    bind 127.0.0.1:%d
    balance %s
    %s
%s
""" % (port, balance, hash_type, "\n".join(servers))


def served_by(port, target, source=None):
    raw = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % target).encode()
    with PendingSocket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        if source:
            s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(raw)
        status, _, _, body = read_response(s)
    assert status == 200, (target, status)
    return body.split(b" ")[0].decode()


def both(tollgate, haproxy, text_for, requests):
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(text_for(port), port=port)
        got[name] = [served_by(port, t, src) for t, src in requests]
    return got


def assert_same(got, requests, nservers):
    diff = [(r, t, h) for r, t, h in zip(requests, got["tollgate"], got["haproxy"]) if t != h]
    assert not diff, diff
    # the keys spread: a broken hash sending all keys to one server is no proof
    assert len(set(got["haproxy"])) == nservers, got["haproxy"]


@pytest.mark.parametrize("hash_type,weights", [
    ("hash-type map-based", [1, 1, 1]),
    ("hash-type map-based", [1, 2, 3, 4]),
    ("hash-type map-based", [10, 20, 5]),
    ("hash-type map-based djb2", [2, 3, 1]),
    ("hash-type map-based wt6 avalanche", [1, 1, 3]),
    ("hash-type map-based crc32", [4, 1, 2]),
    ("hash-type map-based sdbm avalanche", [1, 1, 1, 1]),
    ("hash-type consistent", [1, 1, 1, 1]),
    ("hash-type consistent", [1, 3, 2]),
    ("hash-type consistent", [100, 256, 7]),
    ("hash-type consistent sdbm", [1, 1, 2]),
    ("hash-type consistent djb2 avalanche", [2, 1, 1]),
    ("hash-type consistent wt6", [1, 2, 1]),
    ("hash-type consistent crc32 avalanche", [3, 1, 1, 2]),
])
def test_uri_hash_like_haproxy(tollgate, haproxy, http_backend, hash_type, weights):
    bes = [http_backend("s%d" % (i + 1)) for i in range(len(weights))]
    requests = [(k, None) for k in KEYS]
    got = both(tollgate, haproxy, lambda port: cfg(port, bes, "uri", hash_type, weights), requests)
    assert_same(got, requests, len(weights))


def test_consistent_server_ids_like_haproxy(tollgate, haproxy, http_backend):
    """The tree's points derive from the servers' numeric ids (`id`)."""
    bes = [http_backend("s%d" % (i + 1)) for i in range(3)]
    requests = [(k, None) for k in KEYS]
    got = both(tollgate, haproxy,
               lambda port: cfg(port, bes, "uri", "hash-type consistent", [1, 2, 1], ids=[7, 3, 42]), requests)
    assert_same(got, requests, 3)


SOURCES = ["127.%d.%d.%d" % (i % 2, i * 37 % 256, 1 + i * 7 % 250) for i in range(40)]


@pytest.mark.parametrize("hash_type,weights", [
    ("hash-type map-based", [1, 1, 1]),
    ("hash-type map-based", [1, 2, 3]),
    ("hash-type map-based djb2 avalanche", [1, 1, 1, 1]),
    ("hash-type consistent", [1, 1, 1]),
    ("hash-type consistent", [2, 1, 3]),
])
def test_source_like_haproxy(tollgate, haproxy, http_backend, hash_type, weights):
    bes = [http_backend("s%d" % (i + 1)) for i in range(len(weights))]
    requests = [("/", src) for src in SOURCES]
    got = both(tollgate, haproxy, lambda port: cfg(port, bes, "source", hash_type, weights), requests)
    assert_same(got, requests, len(weights))


URIS = ["/a/b/c/d%d" % i for i in range(12)] + ["/a/%d/x?q=%d" % (i, i) for i in range(12)] + \
       ["/%d/p/q/r" % i for i in range(12)] + ["/x%dyz/k?n=%d" % (i * 31, i) for i in range(12)] + \
       ["http://127.0.0.1/u%d/%d?z" % (i, i) for i in range(8)]


@pytest.mark.parametrize("opts,hash_type", [
    ("len 4", "hash-type map-based"),
    ("len 7 whole", "hash-type consistent"),
    ("depth 1", "hash-type map-based"),
    ("depth 2", "hash-type consistent"),
    ("depth 3 len 9", "hash-type map-based djb2"),
    ("whole depth 2", "hash-type map-based"),
    ("path-only depth 1", "hash-type map-based"),
])
def test_uri_len_depth_like_haproxy(tollgate, haproxy, http_backend, opts, hash_type):
    """`balance uri len <n> depth <n>`: the first n characters, up to the
    (n+1)th slash."""
    bes = [http_backend("s%d" % (i + 1)) for i in range(4)]
    requests = [(u, None) for u in URIS]
    got = both(tollgate, haproxy, lambda port: cfg(port, bes, "uri " + opts, hash_type, [1, 2, 1, 3]), requests)
    assert_same(got, requests, 4)


def served_by_header(port, value):
    raw = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n" % value
    with PendingSocket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        s.sendall(raw.encode())
        status, _, _, body = read_response(s)
    assert status == 200, (value, status)
    return body.split(b" ")[0].decode()


HOSTS = ["www.site%d.com" % i for i in range(20)] + ["api.site%d.com" % i for i in range(20)] + \
        ["site%d.org" % i for i in range(8)] + ["host%d" % i for i in range(6)] + \
        [".lead%d" % i for i in range(3)] + ["a.b.c%d.d.net:8080" % i for i in range(6)]


@pytest.mark.parametrize("opt,hash_type", [
    ("", "hash-type map-based"),
    ("", "hash-type consistent"),
    ("use_domain_only", "hash-type map-based"),
    ("use_domain_only", "hash-type consistent wt6"),
])
def test_hdr_like_haproxy(tollgate, haproxy, http_backend, opt, hash_type):
    """`balance hdr(<name>)`: the header's first value; `use_domain_only`
    the label before the last dot (www.site3.com and api.site3.com then
    reach one server)."""
    bes = [http_backend("s%d" % (i + 1)) for i in range(3)]
    requests = [("X-Site: %s, other.net\r\n" % h, None) for h in HOSTS]
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, bes, "hdr(X-Site) " + opt, hash_type, [2, 1, 1]), port=port)
        got[name] = [served_by_header(port, r) for r, _ in requests]
    assert_same(got, requests, 3)
    if opt:
        choice = dict(zip(HOSTS, got["tollgate"]))
        assert all(choice["www.site%d.com" % i] == choice["api.site%d.com" % i] for i in range(20))


def test_balance_in_defaults_like_haproxy(tollgate, haproxy, http_backend):
    """A `balance` line in defaults is inherited with its key and options."""
    bes = [http_backend("s%d" % (i + 1)) for i in range(3)]
    requests = [(u, None) for u in URIS]

    def text(port):
        return HTTP_DEFAULTS + "    balance uri depth 1\n    hash-type consistent\n" + """
backend be
%s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
""" % ("\n".join("    server s%d 127.0.0.1:%d weight %d" % (i + 1, b.port, i + 1) for i, b in enumerate(bes)), port)
    got = both(tollgate, haproxy, text, requests)
    assert_same(got, requests, 3)


PARAM_URIS = ["/p?id=%d" % i for i in range(24)] + ["/p?x=1&id=u%d&y=2" % i for i in range(12)] + \
             ["/p?xid=%d&id=v%d" % (i, i) for i in range(8)] + ["/p?id=w%d;z=1" % i for i in range(6)] + \
             ["/p?id=&k=%d" % i for i in range(2)] + ["/p?id=a%d&id=b" % i for i in range(6)] + \
             ["/p?ID=%d" % i for i in range(3)] + ["/p/%d?q=1" % i for i in range(3)]


@pytest.mark.parametrize("hash_type", ["hash-type map-based", "hash-type consistent djb2 avalanche"])
def test_url_param_like_haproxy(tollgate, haproxy, http_backend, hash_type):
    """`balance url_param <name>`: the first value of the parameter in the
    query; a request without it goes round robin."""
    bes = [http_backend("s%d" % (i + 1)) for i in range(3)]
    keyed = [u for u in PARAM_URIS if "id=" in u.lower().replace("xid=", "") and "ID=" not in u]
    requests = [(u, None) for u in keyed]
    got = both(tollgate, haproxy, lambda port: cfg(port, bes, "url_param id", hash_type, [1, 2, 3]), requests)
    assert_same(got, requests, 3)


def test_hash_key_addr_port_ignores_server_order(tollgate, http_backend):
    """`hash-key addr-port` (HAProxy 2.9+, not in 2.6): the points derive
    from each server's address and port, so that two instances listing the
    servers in other orders (other ids) agree; with ids they do not."""
    bes = [http_backend("s%d" % (i + 1)) for i in range(4)]
    requests = [(k, None) for k in KEYS]

    def run(hash_key, order):
        port = free_port()
        servers = "\n".join("    server n%d 127.0.0.1:%d%s" % (j, bes[i].port, hash_key) for j, i in enumerate(order))
        tollgate(HTTP_DEFAULTS + """
listen px
    bind 127.0.0.1:%d
    balance uri
    hash-type consistent
%s
""" % (port, servers), port=port)
        return [served_by(port, t) for t, _ in requests]

    a = run(" hash-key addr-port", [0, 1, 2, 3])
    b = run(" hash-key addr-port", [3, 1, 0, 2])
    assert a == b
    assert len(set(a)) == 4, a
    assert run("", [0, 1, 2, 3]) != run("", [3, 1, 0, 2])


def served_by_post(port, body, chunked=False, target="/form"):
    if chunked:
        half = len(body) // 2
        framing, payload = "Transfer-Encoding: chunked", b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (
            half, body[:half], len(body) - half, body[half:])
    else:
        framing, payload = "Content-Length: %d" % len(body), body
    raw = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n\r\n" % (target, framing)).encode()
    with PendingSocket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        s.sendall(raw + payload)
        status, _, _, answer = read_response(s)
    assert status == 200, (body, status)
    return answer.split(b" ")[0].decode()


def test_url_param_check_post_like_haproxy(tollgate, haproxy, http_backend):
    """`balance url_param <name> check_post [<max_wait>]`: a POST without
    the parameter in its query has it looked up in its body (here waited
    for by `option http-buffer-request`): the same server as a GET with the
    value in its query, as HAProxy."""
    bes = [http_backend("s%d" % (i + 1)) for i in range(3)]
    keys = ["u%d" % i for i in range(24)]
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, bes, "url_param id check_post 64\n    option http-buffer-request",
                    "hash-type map-based", [1, 1, 1]), port=port)
        got[name] = [(served_by(port, "/p?id=" + k), served_by_post(port, b"id=" + k.encode()),
                      served_by_post(port, b"a=1&id=%s&b=2" % k.encode(), chunked=True),
                      served_by_post(port, b"id=zz", target="/p?id=" + k))
                     for k in keys]
    assert got["tollgate"] == got["haproxy"]
    # the body's key is the query's, and the query wins over the body
    assert all(len(set(g)) == 1 for g in got["tollgate"]), got["tollgate"]
    assert len({g[0] for g in got["tollgate"]}) == 3
