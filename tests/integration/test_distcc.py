"""distcc_param and distcc_body on a distcc client's request, in
tcp-request content and use_backend rules. Compared with HAProxy 2.6."""
from conftest import free_port
from test_rdp_cookie import TCP_DEFAULTS, first_bytes

CFG = TCP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    tcp-request inspect-delay 1s
    tcp-request content accept if { distcc_param(DOTI) -m found }
    use_backend ba if { distcc_body(ARGV,2) -m bin 2d63 }
    use_backend bb if { distcc_param(DOTI) eq 5 } { distcc_param(ARGC) eq 2 }
    use_backend bc if { distcc_body(ARGV) -m str gcc }
    default_backend bz

backend ba
    server s 127.0.0.1:%(a)d
backend bb
    server s 127.0.0.1:%(b)d
backend bc
    server s 127.0.0.1:%(c)d
backend bz
    server s 127.0.0.1:%(z)d
"""


def tok(name, body=b"", param=None):
    return name + b"%08x" % (len(body) if param is None else param) + body


REQ_C = tok(b"DIST", param=1) + tok(b"ARGC", param=2) + tok(b"ARGV", b"gcc") + tok(b"ARGV", b"-c") + tok(b"DOTI", b"hello")
REQ_E = tok(b"DIST", param=1) + tok(b"ARGC", param=2) + tok(b"ARGV", b"cc") + tok(b"ARGV", b"-E") + tok(b"DOTI", b"hello")
CASES = [
    [REQ_C],
    [REQ_E],
    [REQ_C[:30], REQ_C[30:]],                       # split: waits for DOTI
    [REQ_C[:40], REQ_C[40:]],                       # split in a body (HAProxy waits too: DOTI not found yet)
    [b"DIST0000000gARGC00000002"],                  # bad hex: never there
    [tok(b"DIST", param=1) + tok(b"ARGV", b"gcc")],  # no DOTI: the delay ends
    [tok(b"DIST", param=1) + b"ARGV000000ffgcc"],   # a body past the bytes
]


def run(start, backend):
    bs = {k: backend(k.upper()) for k in "abcz"}
    port = free_port()
    start(CFG % dict(port=port, **{k: b.port for k, b in bs.items()}), port=port)
    return [first_bytes(port, c) for c in CASES]


def test_distcc_fetches_match_haproxy(tollgate, haproxy, backend):
    got = run(tollgate, backend)
    want = run(haproxy, backend)
    assert got == want
    assert got[:5] == ["A", "B", "A", "A", "Z"] and got[5] == "C"
