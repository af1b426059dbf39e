"""Random bytes and random mixes of valid and invalid HTTP pieces, on many
connections from several threads at once, with rules, cookies and replies
in play: the proxy must answer or close each connection, never die, and
serve a normal request at the end. Seeded, a fixed number of connections
(not a duration), so every run sends the same inputs."""
import random
import socket
import threading

from conftest import free_port
from httpbackend import request

PIECES = [b"GET ", b"POST ", b"HEAD ", b"/ret", b"/redir", b"/x?a=1", b" HTTP/1.1\r\n", b" HTTP/1.0\r\n",
          b"Host: h\r\n", b"Content-Length: 5\r\n", b"Transfer-Encoding: chunked\r\n", b"\r\n",
          b"5\r\nhello\r\n0\r\n\r\n", b"hello", b"Connection: close\r\n", b"Cookie: S=a\r\n",
          b"X-Deny: 1\r\n", b"Expect: 100-continue\r\n", b"Upgrade: websocket\r\nConnection: upgrade\r\n",
          b"\x00", b"\r", b"\n", b" ", b":", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]


def test_random_inputs_never_kill_the_proxy(http_backend, tollgate):
    b = http_backend("A", lambda req: (200, [("X-Echo", req.path[:50])], b"ok" * (len(req.path) * 37 % 3000)))
    port = free_port()
    t = tollgate("""global
    nbthread 2
defaults
    mode http
    timeout client 2s
    timeout server 2s
    timeout connect 1s
    timeout http-request 1s
frontend fe
    bind 127.0.0.1:%d
    stick-table type ip size 1m expire 60s store http_req_rate(10s),http_err_cnt
    http-request track-sc0 src
    http-request set-header X-Path %%[path]
    http-request return status 200 content-type text/plain string "r" if { path /ret }
    http-request redirect prefix /p if { path /redir }
    http-request deny if { req.hdr(x-deny) -m found }
    http-response set-header X-R %%[status]
    option forwardfor
    default_backend be
backend be
    cookie S insert indirect
    server a 127.0.0.1:%d cookie a
""" % (port, b.port), port=port)

    def worker(seed):
        rnd = random.Random(seed)
        for _ in range(60):
            if rnd.random() < 0.2:
                data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 300)))
            else:
                data = b"".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 30)))
            cut = rnd.randint(0, len(data))
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(data[:cut])
                if rnd.random() < 0.5:
                    s.sendall(data[cut:])
                if rnd.random() < 0.3:
                    s.shutdown(socket.SHUT_WR)
                try:
                    # the proxy answers or closes each one: bounded by its
                    # timeouts (http-request 1 s, client 2 s)
                    while s.recv(65536):
                        pass
                except OSError:
                    pass

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert t.proc.poll() is None, t.output()
    st, _, _, body = request(port, b"GET /final HTTP/1.1\r\nHost: x\r\n\r\n")
    assert st == 200 and body == b"ok" * (len("/final") * 37 % 3000)
