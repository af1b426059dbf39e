"""The actions that change maps and ACL pattern files from the traffic:
set-map, del-map, add-acl, del-acl (doc/configuration.md, "Maps"), seen by
the next request's map() and ACL lookups and by the admin socket's `show
map|acl`, step for step as Debian's HAProxy 2.6 on the same
configuration."""
import re

import pytest

from conftest import admin_cli, free_port, run_check, start_both
from httpbackend import connect, read_response

CFG = """
global
    nbthread 4
    stats socket %(sock)s level admin
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    acl listed req.hdr(x-key) -f %(acl)s
    acl listed_ip req.hdr_ip(x-ip) -f %(ipacl)s
    http-request set-map(%(map)s) %%[req.hdr(x-key)] %%[req.hdr(x-val)] if { path /set }
    http-request set-map(%(map)s) %%[src] %%[req.hdr(x-val)] if { path /set-src }
    http-request del-map(%(map)s) %%[req.hdr(x-key)] if { path /del }
    http-request add-acl(%(acl)s) %%[req.hdr(x-key)] if { path /add-acl }
    http-request del-acl(%(acl)s) %%[req.hdr(x-key)] if { path /del-acl }
    http-request add-acl(%(ipacl)s) %%[req.hdr(x-ip)] if { path /add-ip }
    http-request del-acl(%(ipacl)s) %%[req.hdr(x-ip)] if { path /del-ip }
    http-request set-map(/nothing/loads/this.map) a b
%(after)s    http-request return status 200 content-type text/plain lf-string "%%[req.hdr(x-key),map(%(map)s,none)] %%[src,map(%(map)s,none)] %%[str(last),map(%(map)s,none)] listed" if listed
    http-request return status 200 content-type text/plain lf-string "ip-listed" if listed_ip
    http-request return status 200 content-type text/plain lf-string "%%[req.hdr(x-key),map(%(map)s,none)] %%[src,map(%(map)s,none)] %%[str(last),map(%(map)s,none)]"
"""


def request(port, path, **hdrs):
    head = "".join("%s: %s\r\n" % (k.replace("_", "-"), v) for k, v in hdrs.items())
    with connect(port) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n" % (path, head)).encode())
        status, _, _, body = read_response(s)
    return status, body.decode()


def masked(text):
    return re.sub(r"0x[0-9a-f]+", "PTR", text)


def test_actions_change_maps_and_acls_as_haproxy(tollgate, haproxy, tmp_path):
    m, a, ip = tmp_path / "x.map", tmp_path / "x.acl", tmp_path / "ip.acl"
    m.write_text("k1 v1\n")
    a.write_text("")
    ip.write_text("10.0.0.0/8\n")
    procs = start_both(tollgate, haproxy, tmp_path, CFG, map=str(m), acl=str(a), ipacl=str(ip), after="")
    steps = [
        ("/", dict(x_key="k1")),
        ("/set", dict(x_key="k2", x_val="two")),
        ("/", dict(x_key="k2")),
        ("/set", dict(x_key="k1", x_val="one again")),
        ("/", dict(x_key="k1")),
        ("/set-src", dict(x_val="from-src")),
        ("/", dict(x_key="127.0.0.1")),
        ("/del", dict(x_key="k2")),
        ("/", dict(x_key="k2")),
        ("/del", dict(x_key="absent")),
        ("/add-acl", dict(x_key="bad")),
        ("/", dict(x_key="bad")),
        ("/add-acl", dict(x_key="bad")),
        ("/del-acl", dict(x_key="bad")),
        ("/", dict(x_key="bad")),
        ("/add-ip", dict(x_ip="192.168.1.0/24")),
        ("/", dict(x_ip="192.168.1.77")),
        ("/add-ip", dict(x_ip="not-an-address")),
        ("/", dict(x_ip="10.1.2.3")),
        ("/del-ip", dict(x_ip="10.0.0.0/8")),
        ("/", dict(x_ip="10.1.2.3")),
        ("/", dict(x_ip="192.168.1.1")),
    ]
    for path, hdrs in steps:
        got = {name: request(port, path, **hdrs) for name, (_, port) in procs.items()}
        assert got["tollgate"] == got["haproxy"], (path, hdrs)
        shown = {name: [masked(admin_cli(sock, "show %s %s" % (kind, f)))
                        for kind, f in (("map", m), ("acl", a), ("acl", ip))]
                 for name, (sock, _) in procs.items()}
        assert shown["tollgate"] == shown["haproxy"], (path, hdrs)
    assert request(procs["tollgate"][1], "/", x_key="k1")[1] == "one again from-src none"
    assert request(procs["tollgate"][1], "/", x_ip="192.168.1.1")[1] == "ip-listed"


def test_cli_and_actions_share_the_map(tollgate, tmp_path):
    """A key added by the admin socket is changed by an action, and the
    other way round; a value a typed converter cannot take is refused;
    http-after-response set-map (HAProxy 2.9+, not 2.6) sees the status."""
    m = tmp_path / "n.map"
    m.write_text("")
    sock, port = str(tmp_path / "t.sock"), free_port()
    cfg = CFG.replace("map(%(map)s,none)]\"\n", "map(%(map)s,none)] %%[req.hdr(x-key),map_str_int(%(map)s,-1)]\"\n", 1)
    from conftest import admin_ready, wait_until
    acl = tmp_path / "a.acl"
    acl.write_text("")
    after = "    http-after-response set-map(%s) last %%[status]\n" % m
    tollgate(cfg % dict(sock=sock, port=port, map=str(m), acl=str(acl), ipacl=str(acl), after=after), port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    assert admin_cli(sock, "add map %s c 5" % m) == "\n"
    assert request(port, "/set", x_key="c", x_val="6")[1].endswith(" 6")
    assert 'value="6"' in admin_cli(sock, "get map %s c" % m)
    assert request(port, "/set", x_key="c", x_val="six")[1].endswith(" 6")   # not an integer: refused
    assert request(port, "/set", x_key="d", x_val="x")[1].endswith(" -1")    # nor added
    assert admin_cli(sock, "del map %s c" % m) == "\n"
    assert request(port, "/", x_key="c")[1] == "none none 200 -1"
    assert "last 200" in admin_cli(sock, "show map %s" % m)


@pytest.mark.parametrize("line,msg", [
    ("http-request set-map(%s) k", "expects exactly 2 arguments"),
    ("http-request del-map(%s)", "expects exactly 1 argument"),
    ("http-request add-acl() k", "expects a file name between parentheses"),
    ("http-after-response add-acl(%s) k", "unknown action 'add-acl(%s)'"),
    ("http-after-response silent-drop", "unknown action 'silent-drop'"),
    ("http-request set-map(%s) %%[nope] v", "invalid format"),
])
def test_bad_action_lines_are_refused(line, msg, tmp_path):
    m = tmp_path / "b.map"
    m.write_text("")
    rc, out, _ = run_check("defaults\n    mode http\nfrontend fe\n    bind 127.0.0.1:%d\n    %s\n"
                  % (free_port(), line.replace("%s", str(m)).replace("%%", "%")), tmp_path)
    assert rc != 0
    assert ":5]" in out and msg.replace("%s", str(m)) in out, out

