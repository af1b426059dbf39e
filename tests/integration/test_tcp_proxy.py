"""TCP proxying: forwarding, balancing, half-close, big transfers."""
import hashlib
import os
import socket
import threading
import time

import pytest

from conftest import exchange, free_port, wait_until

BASE = """
global
    nbthread 2
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
"""


def listen_one(tollgate, server_port, options=""):
    """Starts a proxy with one `listen` section forwarding to one server on
    <server_port>, with <options> (e.g. "option splice-auto"); returns its
    port once it answers."""
    port = free_port()
    tollgate(BASE + """
listen one
    bind 127.0.0.1:%d
    %s
    server a 127.0.0.1:%d
""" % (port, options, server_port), port=port)
    return port


def test_forwards_both_ways(backend, tollgate):
    b = backend("A")
    port = free_port()
    tollgate(BASE + """
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, b.port), port=port)
    for _ in range(20):
        assert exchange(port, b"hello") == b"A:hello"


def test_roundrobin_weights(backend, tollgate):
    a, b = backend("A"), backend("B")
    port = free_port()
    tollgate(BASE + """
listen lb
    bind 127.0.0.1:%d
    balance roundrobin
    server a 127.0.0.1:%d weight 1
    server b 127.0.0.1:%d weight 3
""" % (port, a.port, b.port), port=port)
    seen = [exchange(port, b"x")[:1] for _ in range(40)]
    # the readiness probe took one pick; over 40 more, weights 1:3 hold
    # to within one cycle
    assert abs(seen.count(b"A") - 10) <= 1, seen
    assert abs(seen.count(b"B") - 30) <= 1, seen


@pytest.mark.parametrize("algo", ["static-rr", "leastconn", "first", "source", "random"])
def test_other_algorithms_forward(backend, tollgate, algo):
    a, b = backend("A"), backend("B")
    port = free_port()
    tollgate(BASE + """
backend be
    balance %s
    server a 127.0.0.1:%d
    server b 127.0.0.1:%d
frontend fe
    bind 127.0.0.1:%d
    default_backend be
""" % (algo, a.port, b.port, port), port=port)
    seen = {exchange(port, b"x") for _ in range(20)}
    assert seen <= {b"A:x", b"B:x"} and seen
    if algo in ("source", "first"):
        # one client address, sequential connections: always one server
        assert len(seen) == 1
    if algo == "static-rr":
        assert len(seen) == 2


def big_transfer(port, size):
    """Sends <size> random bytes and reads them back through an echo
    backend, both directions at once; returns (sent digest, received
    digest, received length)."""
    data = os.urandom(1 << 20)
    sent = hashlib.sha256()
    got = hashlib.sha256()
    received = [0]
    s = socket.create_connection(("127.0.0.1", port), timeout=20)

    def reader():
        first = True
        while True:
            d = s.recv(1 << 20)
            if not d:
                return
            if first:
                assert d[:2] == b"A:"
                d = d[2:]
                first = False
            got.update(d)
            received[0] += len(d)

    t = threading.Thread(target=reader)
    t.start()
    left = size
    while left:
        chunk = data[: min(left, len(data))]
        s.sendall(chunk)
        sent.update(chunk)
        left -= len(chunk)
    s.shutdown(socket.SHUT_WR)
    t.join(60)
    s.close()
    return sent.hexdigest(), got.hexdigest(), received[0]


@pytest.mark.parametrize("splice", ["", "option splice-auto"])
def test_100mb_transfer_integrity(backend, tollgate, splice):
    port = listen_one(tollgate, backend("A").port, splice)
    size = 100 * 1024 * 1024
    sent, got, n = big_transfer(port, size)
    assert n == size
    assert sent == got


def test_half_close_keeps_other_direction(backend, tollgate):
    """The client shuts its side; the server answers later; the answer must
    still reach the client."""
    def late_answer(c):
        data = b""
        while True:
            d = c.recv(4096)
            if not d:
                break
            data += d
        # client is half-closed now; answer after its FIN
        c.sendall(b"got:" + data)
        c.close()

    port = listen_one(tollgate, backend("A", late_answer).port)
    assert exchange(port, b"question") == b"got:question"


@pytest.mark.parametrize("splice", ["", "option splice-auto"])
def test_burst_waiting_in_the_proxy_drains(backend, tollgate, splice):
    """A burst the client does not read at first piles up in the proxy's
    sockets, then nothing more arrives: once the client reads, all of it
    must come through although no new data wakes the proxy (its sockets
    are polled edge-triggered: it must resume by itself)."""
    size = 2 * 1024 * 1024
    written = threading.Event()
    blob = os.urandom(size)

    def burst(c):
        if c.recv(2) != b"go":   # not the fixture's readiness probe
            return c.close()
        c.sendall(blob)          # returns once all is in kernel buffers
        written.set()
        c.recv(1)                # keep the connection open until the end
        c.close()

    port = listen_one(tollgate, backend("A", burst).port, splice)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(b"go")
    # small buffers on the client: the backend's sendall() can only finish
    # once the proxy holds much of the burst, unread by the client (2 MB:
    # a quarter of what the kernel's autotuned buffers were seen to hold;
    # 8 MB did not always fit)
    assert written.wait(20), "the backend could not write its burst"
    got = bytearray()
    while len(got) < size:
        d = s.recv(1 << 20)
        assert d, "connection closed after %d bytes" % len(got)
        got += d
    s.close()
    assert hashlib.sha256(got).digest() == hashlib.sha256(blob).digest()


def test_dead_server_refused_then_next_server(backend, tollgate, dead_port):
    """A server that refuses connections: retries then redispatch to the
    other one; the client never notices."""
    good = backend("G")
    port = free_port()
    tollgate(BASE + """
backend be
    balance roundrobin
    retries 1
    option redispatch
    server dead 127.0.0.1:%d
    server good 127.0.0.1:%d
frontend fe
    bind 127.0.0.1:%d
    default_backend be
""" % (dead_port, good.port, port), port=port)
    for _ in range(6):
        assert exchange(port, b"x") == b"G:x"


def test_balance_hash_on_a_sample(backend, tollgate):
    """balance hash src_port: the server depends on the client port only,
    so one source port always reaches the same server."""
    a, b = backend("A"), backend("B")
    port = free_port()
    tollgate(BASE + """
listen lb
    bind 127.0.0.1:%d
    balance hash src_port
    hash-type consistent
    server a 127.0.0.1:%d
    server b 127.0.0.1:%d
""" % (port, a.port, b.port), port=port)
    import struct
    linger = struct.pack("ii", 1, 0)   # reset on close: no TIME_WAIT, ports reusable

    def server_for(cport):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        s.bind(("127.0.0.1", cport))
        s.connect(("127.0.0.1", port))
        tag = s.recv(2)
        s.close()
        return tag

    ports = [free_port() for _ in range(40)]
    seen = {p: server_for(p) for p in ports}
    assert set(seen.values()) == {b"A:", b"B:"}   # spread over both
    # and stable: the same ports land on the same servers again
    for p in ports[:10]:
        assert server_for(p) == seen[p]


@pytest.mark.parametrize("version", ["send-proxy", "send-proxy-v2"])
def test_send_proxy_header(backend, tollgate, version):
    got = {}

    def read_header(c):
        # every connection reaches the backend, the readiness probe's too:
        # keep the headers by the client port they announce
        c.settimeout(5)
        data = b""
        while len(data) < 16 or (version == "send-proxy" and b"\r\n" not in data):
            d = c.recv(4096)
            if not d:
                break
            data += d
        got.setdefault("all", []).append(data)
        c.sendall(b"ok")
        c.close()

    b = backend("A", read_header)
    port = free_port()
    tollgate(BASE + """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d %s
""" % (port, b.port, version), port=port)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        cport = s.getsockname()[1]
        assert s.recv(2) == b"ok"
    def ours(h):
        if version == "send-proxy":
            return b" %d %d\r\n" % (cport, port) in h
        return len(h) >= 28 and int.from_bytes(h[24:26], "big") == cport

    wait_until(lambda: any(ours(h) for h in got.get("all", [])), 5, "our PROXY header")
    hdr = [h for h in got["all"] if ours(h)][0]
    if version == "send-proxy":
        assert hdr.startswith(b"PROXY TCP4 127.0.0.1 127.0.0.1 %d %d\r\n" % (cport, port)), hdr
    else:
        assert hdr[:12] == b"\r\n\r\n\x00\r\nQUIT\n"
        assert hdr[12] == 0x21 and hdr[13] == 0x11
        assert int.from_bytes(hdr[24:26], "big") == cport
        assert int.from_bytes(hdr[26:28], "big") == port


def test_client_timeout_closes_idle_connection(backend, tollgate):
    b = backend("A")
    port = free_port()
    tollgate(BASE.replace("timeout client 10s", "timeout client 300ms") + """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d
""" % (port, b.port), port=port)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    assert s.recv(2) == b"A:"
    t0 = time.monotonic()
    assert s.recv(10) == b""          # closed by the proxy
    assert 0.2 < time.monotonic() - t0 < 3
    s.close()
