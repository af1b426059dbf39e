"""Servers whose address comes from the client's connection, as in
HAProxy: no port (`server s 127.0.0.2`) connects to the port the client
reached, a wildcard host (`*:PORT`, or an empty one) to the address it
reached. Compared with HAProxy 2.6 on the same configuration."""
import socket
import threading

from conftest import exchange, free_port


def listener(host, port, tag):
    """An echo server on <host>:<port> that greets with <tag>."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(16)

    def serve(c):
        with c:
            try:
                c.sendall(tag + b":")
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    c.sendall(d)
            except OSError:
                pass   # a probe connection reset by the proxy

    def run():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=run, daemon=True).start()
    return s


CFG = """
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 2s

listen noport
    bind 127.0.0.1:%(p1)d
    server s1 127.0.0.2

listen anyhost
    bind 127.0.0.1:%(p2)d
    server s1 *:%(b)d
"""


def run(start, p1, p2, b):
    start(CFG % {"p1": p1, "p2": p2, "b": b}, port=p2)
    return exchange(p1, b"x"), exchange(p2, b"y")


def test_server_without_port_matches_haproxy(tollgate, haproxy):
    p1, p2 = free_port(), free_port()
    other = listener("127.0.0.2", p1, b"N")
    b = listener("127.0.0.1", 0, b"H")
    bport = b.getsockname()[1]
    got = run(tollgate, p1, p2, bport)
    q1, q2 = free_port(), free_port()
    other2 = listener("127.0.0.2", q1, b"N")
    want = run(haproxy, q1, q2, bport)
    assert got == want == (b"N:x", b"H:y")
    for s in (other, other2, b):
        s.close()
