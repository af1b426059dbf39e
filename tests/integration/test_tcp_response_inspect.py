"""`tcp-response inspect-delay` seen from outside, side by side with the
reference HAProxy 2.6: tcp-response content rules wait for the server's
bytes (res.len, res.payload) until their verdict is certain or the delay
is over.
"""

import socket
import threading

from conftest import HTTP_DEFAULTS, free_port

CFG = HTTP_DEFAULTS + """
listen l
    mode tcp
    bind 127.0.0.1:%d
    tcp-response inspect-delay %s
    tcp-response content reject if { res.payload(0,4) -m str EVIL }
    tcp-response content accept if { res.len ge 4 }
    server s1 127.0.0.1:%d
"""


# Set by the client when the first bytes reach it: the proxy forwarded
# the two letters, its delay being over. The server sends the rest then,
# or after 1 s if nothing came (well inside the 2 s delay).
FORWARDED = threading.Event()


def slow_server(sock):
    """Reads one word, answers its first two letters, then the rest of it
    and " and more" once the client saw bytes (or after 1 s), then closes."""
    try:
        word = sock.recv(100)
        sock.sendall(word[:2])
        FORWARDED.wait(1.0)
        sock.sendall(word[2:] + b" and more")
    except OSError:
        pass
    finally:
        sock.close()


def exchange(port, payload):
    """Sends <payload>, returns all the bytes received until the close,
    telling the server (FORWARDED) when the first ones arrive."""
    FORWARDED.clear()
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(payload)
        while True:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
            FORWARDED.set()
    return got


def test_tcp_response_inspect_delay_agrees_with_haproxy(tollgate, haproxy, backend):
    srv = backend("R", slow_server)
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        p1, p2 = free_port(), free_port()
        start(CFG % (p1, "2s", srv.port), port=p1)
        start(CFG % (p2, "100ms", srv.port), port=p2)
        seen[name] = [exchange(p1, b"EVIL"),        # waited for: rejected
                      exchange(p1, b"GOOD"),        # waited for: accepted
                      exchange(p2, b"EVIL")]        # delay over on "EV": forwarded
    assert seen["tollgate"] == [b"", b"GOOD and more", b"EVIL and more"]
    assert seen["tollgate"] == seen["haproxy"]
