"""show sess <id> and show sess all: HAProxy's multi-line detail of a
stream, field by field against Debian's HAProxy 2.6 holding the same
request to a server that has not answered yet."""
import re
import socket
import threading

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, start_both, wait_until

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(srv)d
"""

REQ = b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"


def proxy_stream(sock):
    """The address of the stream of our client (not the admin socket's own
    in HAProxy), once it is connected to the server, else None."""
    for l in admin_cli(sock, "show sess").splitlines():
        if "proto=tcpv4" in l and " srv=s1 " in l:
            return l.split(":")[0]
    return None


def keys(block):
    """The layout of a detail block: each line's indentation and first key."""
    return [re.match(r"^( *)([\w.]+)", re.sub(r"^0x[0-9a-f]+:", "PTR:", l)).groups()
            for l in block.splitlines()]


def fields(block):
    """The values of the fields both programs have, by key."""
    out = {}
    for l in block.splitlines():
        for k, v in re.findall(r"\b([\w.]+)=(\S+)", l):
            out.setdefault(k, v.rstrip(","))
    return out


def test_show_sess_detail_as_haproxy(tollgate, haproxy, http_backend, tmp_path):
    release = threading.Event()

    def hold(req):
        release.wait(10)
        return 200, [], b"late\n"

    be = http_backend("A", hold)
    procs = start_both(tollgate, haproxy, tmp_path, CFG, srv=be.port)
    clients, blocks = [], {}
    try:
        for name, (sock, port) in procs.items():
            c = socket.create_connection(("127.0.0.1", port))
            c.sendall(REQ)
            clients.append(c)
            # connected and forwarded: the server holds the request
            wait_until(lambda: len(be.requests) == len(clients), 5, name + " request at the server")
            wait_until(lambda: proxy_stream(sock), 5, name + " stream at the server")
            ptr = proxy_stream(sock)
            one = admin_cli(sock, "show sess " + ptr)
            assert one.startswith(ptr + ": ["), (name, one)
            everything = admin_cli(sock, "show sess all")
            assert one.splitlines()[0] in everything.splitlines(), name
            blocks[name] = one[:-1]
            assert admin_cli(sock, "show sess 0x1234") == "Session not found.\n\n", name
            # 2.6 has no other filter: another word (3.x's `older 5`
            # included) lists every stream in the short form
            for cmd in ("show sess foo", "show sess older 5", "show sess susp"):
                short = [l for l in admin_cli(sock, cmd).splitlines() if " srv=s1 " in l]
                assert len(short) == 1 and short[0].startswith(ptr + ": proto=tcpv4 "), (name, cmd, short)
    finally:
        release.set()
        for c in clients:
            c.close()
    tg, hp = blocks["tollgate"], blocks["haproxy"]
    # HAProxy's lines, in its order (its HTX buffer lines aside)
    hp_keys = [k for k in keys(hp) if k[1] != "htx"]
    assert keys(tg) == hp_keys, (tg, hp)
    ft, fh = fields(tg), fields(hp)
    assert re.match(r"127\.0\.0\.1:\d+$", ft["source"]), ft["source"]
    for k in ["proto", "frontend", "backend", "server", "meth", "status", "req.st",
              "rsp.st", "ctrl", "xprt", "mux", "data", "pend_pos", "waiting", "conn_retries",
              "conn_exp"]:
        assert ft.get(k) == fh.get(k), (k, ft.get(k), fh.get(k))
    assert re.search(r"  frontend=fe \(id=\d+ mode=http\), listener=\? \(id=\d+\) addr=127\.0\.0\.1:%d\n"
                     % procs["tollgate"][1], tg + "\n"), tg
    assert "  server=s1 (id=1) addr=127.0.0.1:%d\n" % be.port in tg + "\n"
    assert re.search(r"  req=0x[0-9a-f]+ \(f=0x0 an=0x0 pipe=0 tofwd=0 total=%d\)" % len(REQ), tg)


def cli_blocks(text):
    """The detail blocks of `show sess all` whose frontend is GLOBAL."""
    return [b for b in re.split(r"\n(?=0x[0-9a-f]+: )", text.strip("\n")) if "  frontend=GLOBAL " in b]


def test_show_sess_lists_the_cli_connections(tollgate, haproxy, tmp_path):
    """The admin socket's own connections are streams of the GLOBAL
    frontend served by the CLI applet, in both forms, as HAProxy 2.6 lists
    them: the one asking and another one held open."""
    procs = start_both(tollgate, haproxy, tmp_path, CFG, srv=1)
    short, detail = {}, {}
    for name, (sock, _) in procs.items():
        other = socket.socket(socket.AF_UNIX)
        other.connect(sock)
        try:
            # the held connection is accepted once it is listed
            wait_until(lambda: admin_cli(sock, "show sess").count(" fe=GLOBAL ") == 2, 5, name + " sessions")
            short[name] = [l for l in admin_cli(sock, "show sess").splitlines() if " fe=GLOBAL " in l]
            detail[name] = cli_blocks(admin_cli(sock, "show sess all"))
            # `show sess <id>` of the held one: its detail alone
            ptr = short[name][0].split(":")[0]
            one = admin_cli(sock, "show sess " + ptr)
            assert one.startswith(ptr + ": [") and len(cli_blocks(one)) == 1, (name, one)
        finally:
            other.close()
    for name in short:
        assert len(short[name]) == 2 and len(detail[name]) == 2, (name, short[name], detail[name])
    # the short form: the fields both print, equal
    for tl, hl in zip(short["tollgate"], short["haproxy"]):
        ft, fh = fields(tl), fields(hl)
        for k in ["proto", "src", "fe", "be", "srv", "ts"]:
            assert ft[k] == fh[k], (k, tl, hl)
        assert re.match(r"\d+s$", ft["age"]) and int(ft["calls"]) >= 1, tl
    # the long form of the connection asking (the newest, listed last):
    # HAProxy's lines in its order, and the values both have
    tg, hp = detail["tollgate"][-1], detail["haproxy"][-1]
    assert keys(tg) == keys(hp), (tg, hp)
    ft, fh = fields(tg), fields(hp)
    for k in ["proto", "source", "frontend", "mode", "addr", "backend", "server", "nice", "ctrl", "xprt",
              "mux", "data", "applet", "conn_retries", "conn_exp", "pend_pos", "waiting", "tofwd"]:
        assert ft.get(k) == fh.get(k), (k, ft.get(k), fh.get(k))
    assert fh["source"] == "unix:1" and fh["applet"] == "<CLI>"
    # buffer sizes (HAProxy shows 0 for a buffer it released) and the
    # bytes of the command received (HAProxy counts them, or not yet, by timing)
    assert ft["total"] == "%d)" % len("show sess all\n"), tg
    assert "  frontend=GLOBAL (id=0 mode=tcp), listener=? (id=1) addr=unix:1\n" in tg + "\n"
