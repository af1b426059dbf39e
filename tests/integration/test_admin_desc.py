"""`desc` on `show info` and `show stat`: each field followed by its
description, as HAProxy 2.6 prints it (plain and typed forms; CSV and
JSON unchanged), compared field by field with Debian's HAProxy 2.6 on the
same configuration through real admin sockets."""
import json
import re

from conftest import admin_cli, exchange, start_both

CFG = """
global
    nbthread 1
    stats socket %(sock)s level admin
    stats timeout 5s
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    cookie SRV insert
    server s1 127.0.0.1:%(bport)d check inter 200ms cookie s1
"""

DESC = re.compile(r'^(.*):"([^"]*)"$')


def described(text):
    """(line without its description, description) of each line of a
    `desc` answer; fails on a line without a description."""
    for line in filter(None, text.splitlines()):
        m = DESC.match(line)
        assert m, line
        yield m.group(1), m.group(2)


def info_desc(text, typed):
    """{key: description} of `show info [typed] desc`."""
    if typed:
        return {head.split(":", 1)[0].split(".", 1)[1].rsplit(".", 1)[0]: d
                for head, d in described(text)}
    return {head.split(": ", 1)[0]: d for head, d in described(text)}


def stat_desc(text):
    """{(obj, field name): description} of `show stat typed desc`."""
    return {(lambda f: (f[0], f[4]))(head.split(":", 1)[0].split(".")): d
            for head, d in described(text)}


def test_desc_as_haproxy(tollgate, haproxy, tmp_path, backend):
    both = start_both(tollgate, haproxy, tmp_path, CFG, bport=backend("A").port)
    for _, port in both.values():
        exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    t, h = both["tollgate"][0], both["haproxy"][0]

    # show info desc, plain and typed: every key Tollgate prints has 2.6's
    # description (2.6 spells TotalSplicdedBytesOut)
    for typed in (False, True):
        cmd = "show info typed desc" if typed else "show info desc"
        td = info_desc(admin_cli(t, cmd), typed)
        hd = info_desc(admin_cli(h, cmd), typed)
        hd["TotalSplicedBytesOut"] = hd.pop("TotalSplicdedBytesOut")
        common = [k for k in td if k in hd]
        assert len(common) == 69, common
        assert {k: td[k] for k in common} == {k: hd[k] for k in common}
        # and the keys 2.6 does not have are described too
        assert all(td[k] for k in td)
    assert info_desc(admin_cli(t, "show info desc"), False)["Pid"] == \
        "This worker process identifier for the system"
    # the values are those of the same command without desc
    plain = admin_cli(t, "show info desc").splitlines()
    assert plain[0] == 'Name: Tollgate:"Product name"'

    # show stat typed desc: the same description per field as 2.6
    ts = stat_desc(admin_cli(t, "show stat typed desc"))
    hs = stat_desc(admin_cli(h, "show stat typed desc"))
    common = [k for k in ts if k in hs]
    assert len(common) >= 100, len(common)
    assert {k: ts[k] for k in common} == {k: hs[k] for k in common}
    assert ts[("S", "check_rise")] == \
        "Number of successful health checks before declaring a server UP (server 'rise' setting)"
    assert all(ts.values())

    # CSV and JSON ignore desc, as 2.6
    for sock in (t, h):
        csv = admin_cli(sock, "show stat desc").splitlines()
        assert csv[0] == admin_cli(sock, "show stat").splitlines()[0]
        assert '"' not in "".join(csv)
    j = json.loads(admin_cli(t, "show info json desc"))
    assert all(set(f) == {"field", "processNum", "tags", "value"} for f in j)
    j = json.loads(admin_cli(t, "show stat json desc"))
    assert all(set(f) == {"objType", "proxyId", "id", "field", "processNum", "tags", "value"}
               for obj in j for f in obj)
