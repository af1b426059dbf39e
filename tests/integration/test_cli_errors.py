"""show errors: the last invalid request and response of each proxy,
captured by the HTTP engine when it answers 400 or 502, in HAProxy's
layout, side by side with Debian's HAProxy 2.6 on the same traffic."""
import re
import socket

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, start_both

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(srv)d
"""

BAD_REQ = b"GET /" + b"a" * 100 + b"\x7f\t\"\\\xe9b HTTP/1.1\r\nHost: x\r\n\r\n"
BAD_REQ2 = b"GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n"
BAD_RES = b"HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 0\r\n\r\n"


def send(port, data):
    """Sends <data>, returns the status line of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        got = b""
        while b"\r\n" not in got:
            d = s.recv(4096)
            if not d:
                break
            got += d
    return got.split(b"\r\n")[0]


def normalized(text):
    """Masks what differs between two runs or two programs by nature: dates,
    client ports, proxy and server ids (HAProxy counts its internal
    proxies), the H1 multiplexer's internal flags, and where its buffer
    wraps (HTX overhead)."""
    text = re.sub(r"\[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d\.\d{3}\]", "[DATE]", text)
    text = re.sub(r"src 127\.0\.0\.1:\d+", "src 127.0.0.1:PORT", text)
    text = re.sub(r"\(#\d+\)", "(#ID)", text)
    text = re.sub(r"flags 0x[0-9a-f]{8}", "flags 0xF", text)
    return re.sub(r"wraps at \d+", "wraps at W", text)


def test_show_errors_as_haproxy(tollgate, haproxy, http_backend, tmp_path):
    be = http_backend("A", lambda req: BAD_RES)
    procs = start_both(tollgate, haproxy, tmp_path, CFG, srv=be.port)
    for name, (sock, port) in procs.items():
        assert admin_cli(sock, "show errors").endswith(" : 0\n\n"), name
        assert send(port, BAD_REQ2).startswith(b"HTTP/1.1 400"), name
        assert send(port, BAD_REQ).startswith(b"HTTP/1.1 400"), name   # replaces the first
        assert send(port, b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 502"), name
    answers = {}
    for cmd in ["show errors", "show errors fe", "show errors be", "show errors fe request",
                "show errors be response", "show errors fe response", "show errors nope",
                "show errors -1 request"]:
        answers = {name: normalized(admin_cli(sock, cmd)) for name, (sock, _) in procs.items()}
        assert answers["tollgate"] == answers["haproxy"], cmd
    out = admin_cli(procs["tollgate"][0], "show errors")
    assert " : 3\n \n" in out
    assert "frontend fe (#" in out and "): invalid request\n" in out
    assert "  len 133, wraps at" in out and "error at position 105\n" in out
    assert ('  00000  GET /' + 'a' * 65 + '\n'
            '  00070+ ' + 'a' * 35 + '\\x7F\\t"\\\\\\xE9b HTTP/1.1\\r\\n\n'
            '  00122  Host: x\\r\\n\n'
            '  00131  \\r\\n\n') in out
    assert "backend be (#" in out and "): invalid response\n  frontend fe (#" in out
    assert "server s1 (#1), event #2," in out and "error at position 20\n" in out
    assert "  H1 msg state MSG_HDR_NAME(17)," in out
