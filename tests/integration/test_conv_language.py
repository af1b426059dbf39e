"""language(<list>[,<default>]) on Accept-Language values: q-values,
variants, defaults, best-effort parsing of odd values. Compared with
HAProxy 2.6. No value ends with a q-value: HAProxy reads its digits past
the end of the field (whatever the buffer holds there), Tollgate does not."""
from httpbackend import header_values

from conftest import HTTP_DEFAULTS, free_port

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-request return status 200 hdr x-l "%%[req.fhdr(accept-language),language(es;fr;en)]" hdr x-d "%%[req.fhdr(accept-language),language(de;en-GB,nl)]" hdr x-v "%%[req.fhdr(accept-language),language(en-US;pt)]"
"""

VALUES = [
    "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5, xx",
    "de, en;q=0.5, es;q=0.7, xx",
    "en-GB;q=0.3, es;q=0.3, xx",
    "es;q=0, fr;q=0.001, xx",
    "fr;q=0,en",
    "en ; q = 0.6 , fr ;q=1.5 , xx",
    "es x, en",
    ",,;,es",
    "pt-BR;q=0.2, en-US",
    "en;garbage, fr;q=.5, es;q=abc",
    "",
    "ES, FR",
]


def run(start):
    port = free_port()
    start(CFG % {"port": port}, port=port)
    reqs = [b"GET / HTTP/1.1\r\nHost: x\r\nAccept-Language: " + v.encode() + b"\r\n\r\n" for v in VALUES]
    return [header_values(port, (r,), ("x-l", "x-d", "x-v"))[0] for r in reqs]


def test_language_matches_haproxy(tollgate, haproxy):
    got = run(tollgate)
    want = run(haproxy)
    assert got == want
    assert got[0] == ("fr", "de", None) and got[1][0] == "es" and got[1][1] == "de"
    assert got[10] == (None, "nl", None) and got[4][0] is None and got[8][2] == "en-US"
