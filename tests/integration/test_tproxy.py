"""Transparent proxying (HAProxy's TPROXY): `bind ... transparent` and
`source <addr> usesrc clientip|client|<addr>|hdr_ip(...)` bind the
connection to the server to an address that need not be local (the
client's), with IP_TRANSPARENT (else IP_FREEBIND, as HAProxy). 127.0.0.0/8
lets a test present any 127.x address: the client binds 127.0.0.5 and
the server must see 127.0.0.5. Compared with HAProxy 2.6 on the same
configuration."""
import ctypes
import socket
import subprocess

from conftest import BINARY, HTTP_DEFAULTS, free_port, run_check

SERVER = """
listen srv
    bind 127.0.0.1:%(srv)d
    http-request return status 200 hdr seen %%[src]:%%[src_port]
"""


def recv_all(s):
    """Reads <s> until the peer closes it, then closes it."""
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data

def ask(port, src=None, src_port=0, headers=b""):
    """One request from <src>:<src_port> (the kernel's choice when None);
    returns the `seen` header of the answer: the address the server saw."""
    s = socket.socket()
    s.settimeout(5)
    if src:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, src_port))
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nhost: x\r\n" + headers + b"connection: close\r\n\r\n")
    data = recv_all(s)
    assert data.startswith(b"HTTP/1.1 200"), data
    for line in data.split(b"\r\n"):
        if line.lower().startswith(b"seen:"):
            return line.split(b":", 1)[1].strip().decode()
    raise AssertionError(data)


def start(run, body, glob="", **kw):
    p = {"fe": free_port(), "srv": free_port()}
    run(glob + HTTP_DEFAULTS + (body + SERVER) % p, port=p["fe"], **kw)
    return p["fe"]


CLIENTIP = """
listen fe
    bind 127.0.0.1:%(fe)d transparent
    source 0.0.0.0 usesrc clientip
    server s 127.0.0.1:%(srv)d
"""


def test_usesrc_clientip_presents_the_clients_address_as_haproxy(tollgate, haproxy):
    for run in (tollgate, haproxy):
        fe = start(run, CLIENTIP)
        assert ask(fe, "127.0.0.5").split(":")[0] == "127.0.0.5"
        assert ask(fe, "127.0.0.9").split(":")[0] == "127.0.0.9"


def test_usesrc_client_presents_the_clients_port_too_as_haproxy(tollgate, haproxy):
    body = CLIENTIP.replace("usesrc clientip", "usesrc client")
    for run in (tollgate, haproxy):
        fe = start(run, body)
        port = free_port()
        assert ask(fe, "127.0.0.6", port) == "127.0.0.6:%d" % port


def test_source_address_fixed_usesrc_and_server_override_as_haproxy(tollgate, haproxy):
    """`source` in defaults applies to a backend's servers; a server's own
    `source` replaces it; `usesrc <addr>` presents that address."""
    body = """
defaults src
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
    source 127.0.0.8

listen fe from src
    bind 127.0.0.1:%(fe)d
    use-server fixed if { path /fixed }
    use-server plain if { path /plain }
    server dflt 127.0.0.1:%(srv)d
    server fixed 127.0.0.1:%(srv)d source 0.0.0.0 usesrc 127.0.0.7
    server plain 127.0.0.1:%(srv)d source 127.0.0.10
"""
    got = []
    for run in (tollgate, haproxy):
        fe = start(run, body)
        seen = []
        for path in (b"/", b"/fixed", b"/plain"):
            s = socket.create_connection(("127.0.0.1", fe), timeout=5)
            s.sendall(b"GET " + path + b" HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            data = recv_all(s)
            line = [x for x in data.split(b"\r\n") if x.lower().startswith(b"seen:")][0]
            seen.append(line.split(b":", 2)[1].strip().decode())
        got.append(seen)
    assert got[0] == got[1] == ["127.0.0.8", "127.0.0.7", "127.0.0.10"]


def test_usesrc_hdr_ip_takes_the_headers_address_as_haproxy(tollgate, haproxy):
    body = """
listen fe
    bind 127.0.0.1:%(fe)d
    source 0.0.0.0 usesrc hdr_ip(x-client,1)
    server s 127.0.0.1:%(srv)d
"""
    for run in (tollgate, haproxy):
        fe = start(run, body)
        assert ask(fe, headers=b"x-client: 127.0.0.11, 127.0.0.12\r\n").split(":")[0] == "127.0.0.11"
        assert ask(fe, headers=b"x-client: 127.0.0.14\r\nx-client: 127.0.0.15\r\n").split(":")[0] == "127.0.0.14"


def _drop_net_admin():
    """Runs in the child before exec: without CAP_NET_ADMIN (nor
    CAP_NET_RAW) in its bounding set, root's process has neither."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (12, 13):   # CAP_NET_ADMIN, CAP_NET_RAW
        assert libc.prctl(24, cap, 0, 0, 0) == 0   # PR_CAPBSET_DROP


def test_without_cap_net_admin_binds_freely_as_haproxy(tollgate, haproxy):
    """IP_TRANSPARENT is refused without CAP_NET_ADMIN: as HAProxy, the
    listener and the connection fall back to IP_FREEBIND, which binds an
    address that is not local (here 127.x, which is)."""
    for run in (tollgate, haproxy):
        fe = start(run, CLIENTIP, preexec_fn=_drop_net_admin)
        assert ask(fe, "127.0.0.5").split(":")[0] == "127.0.0.5"


def test_feature_tproxy_is_reported():
    assert subprocess.run([BINARY, "-cc", "feature(TPROXY)"], timeout=10).returncode == 0
    out = subprocess.run([BINARY, "-vv"], capture_output=True, text=True, timeout=10).stdout
    assert "+TPROXY" in out.split("Feature list :")[1].splitlines()[0]


def test_bad_source_lines_are_refused_with_their_place(tmp_path):
    cases = [
        ("    source\n", "'source' expects <addr>"),
        ("    source 0.0.0.0 usesrc\n", "'usesrc' expects"),
        ("    source 0.0.0.0 usesrc nowhere!\n", "got 'nowhere!'"),
        ("    source 0.0.0.0 usesrc hdr_ip()\n", "hdr_ip(<hdr>[,<occ>])"),
        ("    source 0.0.0.0 interface eth0\n", "'interface' is not supported yet"),
        ("    source 0.0.0.0 usesrc clientip extra\n", "unexpected 'extra'"),
        ("    server s 127.0.0.1:1 source\n", "'server s : source' expects"),
        ("    option transparent\n", "'option transparent' is not supported yet"),
    ]
    for line, want in cases:
        cfg = HTTP_DEFAULTS + "listen fe\n    bind 127.0.0.1:%d\n" % free_port() + line
        if "server" not in line:
            cfg += "    server s 127.0.0.1:1\n"
        rc, out, path = run_check(cfg, tmp_path)
        assert rc != 0 and want in out and "%s:9" % path in out, (line, out)
    cfg = HTTP_DEFAULTS + "frontend fe\n    bind 127.0.0.1:%d\n    source 0.0.0.0\n" % free_port()
    rc, out, path = run_check(cfg, tmp_path)
    assert rc != 0 and "source" in out and "%s:9" % path in out, out


def test_a_clients_connection_never_serves_another_client_as_haproxy(tollgate, haproxy):
    """`http-reuse always` shares idle server connections, but one that
    presents a client's address stays that client's: once the first client
    went to another server (its connection to s1 is then idle), the second
    client is seen by s1 with its own address, as with HAProxy (which keys
    connections by their source). One thread: pools are per thread."""
    body = """
listen fe
    bind 127.0.0.1:%(fe)d
    http-reuse always
    source 0.0.0.0 usesrc clientip
    use-server s2 if { path /other }
    use-server s1 unless { path /other }
    server s1 127.0.0.1:%(srv)d
    server s2 127.0.0.1:%(srv)d
"""
    for run in (tollgate, haproxy):
        fe = start(run, body, glob="global\n    nbthread 1\n")
        seen = []
        c1 = socket.socket()
        c1.settimeout(5)
        c1.bind(("127.0.0.5", 0))
        c1.connect(("127.0.0.1", fe))
        f1 = c1.makefile("rb")
        for path in (b"/", b"/other"):
            c1.sendall(b"GET " + path + b" HTTP/1.1\r\nhost: x\r\n\r\n")
            seen.append(read_seen(f1))
        seen.append(ask(fe, "127.0.0.6"))
        c1.close()
        assert [x.split(":")[0] for x in seen] == ["127.0.0.5", "127.0.0.5", "127.0.0.6"]


def read_seen(f):
    """Reads one answer from file <f>; returns its `seen` header."""
    assert f.readline().startswith(b"HTTP/1.1 200")
    seen, length = None, 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        name, value = line.split(b":", 1)
        if name.lower() == b"seen":
            seen = value.strip().decode()
        if name.lower() == b"content-length":
            length = int(value)
    f.read(length)
    return seen
