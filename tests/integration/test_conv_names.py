"""Converters be_exists, fe_exists (HAProxy 3.1+) and reverse_dom (3.2+),
newer than HAProxy 2.6: checked on tollgate alone, through real requests."""
from httpbackend import request

from conftest import HTTP_DEFAULTS, free_port

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-request return status 200 hdr x-be "%%[req.hdr(x-name),be_exists]" hdr x-fe "%%[req.hdr(x-name),fe_exists]" hdr x-rev "%%[req.hdr(x-dom),reverse_dom]"

backend be
    server s1 127.0.0.1:1

listen both
    bind 127.0.0.1:%(other)d
"""


def ask(port, name, dom):
    _, hdrs, _, _ = request(port, b"GET / HTTP/1.1\r\nHost: x\r\nx-name: %s\r\nx-dom: %s\r\n"
                            b"Connection: close\r\n\r\n" % (name, dom))
    return hdrs.get("x-be"), hdrs.get("x-fe"), hdrs.get("x-rev")


def test_name_converters(tollgate):
    port = free_port()
    tollgate(CFG % {"port": port, "other": free_port()}, port=port)
    assert ask(port, b"be", b"www.example.com") == ("1", "0", "com.example.www")
    assert ask(port, b"fe", b"a..b.") == ("0", "1", ".b..a")
    assert ask(port, b"both", b"local") == ("1", "1", "local")
    assert ask(port, b"nope", b"x") == ("0", "0", "x")
