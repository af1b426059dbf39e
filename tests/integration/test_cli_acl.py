"""Runtime ACL commands (show/get/add/del/clear/prepare/commit acl) through
real admin sockets, answer for answer with Debian's HAProxy 2.6 on the same
configuration, and seen at once by the rules of the running proxy."""
import re
import urllib.error
import urllib.request

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, start_both

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
    acl api path_beg /api /v2
    acl api path_end .php
    acl many hdr_cnt(x) gt 3 lt 9 10:20
    http-request deny deny_status 403 if { src -f %(lst)s }
    http-request deny deny_status 401 if { req.hdr_ip(x-fwd) -f %(lst)s }
    http-request deny deny_status 405 if { hdr(x-user) -i -f %(users)s }
    http-request deny deny_status 404 if api || { path -m str /x }
    http-request return status 200 content-type text/plain lf-string "%%[path,map(%(map)s,none)]"
"""


def status(port, path="/", headers=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def normalized(text):
    """An answer with what legitimately differs masked: entry addresses,
    the configuration's file name, HAProxy's own internal (httpclient)
    ACLs, and 2.6's entry_cnt, which counts a file once per test using it
    and never decreases (Tollgate counts the entries)."""
    text = re.sub(r"0x[0-9a-f]+", "PTR", text).replace("haproxy.cfg", "tollgate.cfg")
    text = re.sub(r"entry_cnt=\d+", "entry_cnt=N", text)
    return "".join(l for l in text.splitlines(True) if "file 'httpclient'" not in l)


def both(tollgate, haproxy, tmp_path):
    lst = tmp_path / "blocked.lst"
    lst.write_text("10.0.0.1\n# comment\n10.0.0.2\n")
    m = tmp_path / "m.map"
    m.write_text("/x one\n")
    users = tmp_path / "users.lst"
    users.write_text("alice\n")
    procs = start_both(tollgate, haproxy, tmp_path, CFG, lst=str(lst), map=str(m), users=str(users))
    return procs, str(lst)


def test_acl_commands_as_haproxy(tollgate, haproxy, tmp_path):
    procs, lst = both(tollgate, haproxy, tmp_path)
    # (command, expected status of GET / from 127.0.0.1, of GET /api, of GET / with x-user: BOB)
    steps = [
        ("show acl", (200, 404, 200)),
        ("show map", None),
        ("show acl " + lst, None),
        ("show acl #0", None),
        ("show acl #2", None),
        ("show acl nope", None),
        ("show map #0", None),
        ("get acl %s 10.0.0.1" % lst, None),
        ("get acl %s 10.0.0.9" % lst, None),
        ("get acl #6 ALICE", None),
        ("get acl #1 /zz.php", None),
        ("get acl #0 /API/v", None),
        ("get acl", None),
        ("add acl", None),
        ("add acl nope 1.2.3.4", None),
        ("add acl " + lst, None),
        ("add acl %s 127.0.0.1" % lst, (403, 403, 403)),
        ("add acl %s bob" % lst, None),
        ("add acl #6 bob", (403, 403, 403)),
        ("show acl " + lst, None),
        ("del acl " + lst, None),
        ("del acl %s 9.9.9.9" % lst, None),
        ("del acl %s 127.0.0.1" % lst, (200, 404, 405)),
        ("get acl #6 Bob", None),
        ("del acl #6 bob", (200, 404, 200)),
        ("add acl #0 /static", None),
        ("show acl #0", None),
        ("prepare acl " + lst, None),
        ("add acl @1 %s 127.0.0.0/8" % lst, (200, 404, 200)),
        ("add acl @7 %s 127.0.0.0/8" % lst, None),
        ("show acl @1 " + lst, None),
        ("show acl", None),
        ("commit acl " + lst, None),
        ("commit acl @1", None),
        ("commit acl @5 " + lst, None),
        ("commit acl @1 " + lst, (403, 403, 403)),
        ("show acl " + lst, None),
        ("clear acl", None),
        ("clear acl " + lst, (200, 404, 200)),
        ("show acl " + lst, None),
        ("prepare acl", None),
    ]
    for cmd, expect in steps:
        answers = {name: normalized(admin_cli(sock, cmd)) for name, (sock, _) in procs.items()}
        assert answers["tollgate"] == answers["haproxy"], cmd
        if expect is None:
            continue
        for name, (_, port) in procs.items():
            got = (status(port, "/"), status(port, "/api"), status(port, "/", {"x-user": "BOB"}))
            assert got == expect, (name, cmd)


def test_list_and_numbering(tollgate, haproxy, tmp_path):
    """Tollgate's own list, exactly: ids shared with the maps, HAProxy's
    descriptions, inline patterns stored as HAProxy stores them (an
    operator becomes a range), and entry_cnt counting the entries."""
    procs, lst = both(tollgate, haproxy, tmp_path)
    sock = procs["tollgate"][0]
    cfg = tmp_path / "tollgate.cfg"
    assert admin_cli(sock, "show acl") == (
        "# id (file) description\n"
        "0 () acl 'path_beg' file '{cfg}' line 12. curr_ver=0 next_ver=0 entry_cnt=2\n"
        "1 () acl 'path_end' file '{cfg}' line 13. curr_ver=0 next_ver=0 entry_cnt=1\n"
        "2 () acl 'hdr_cnt' file '{cfg}' line 14. curr_ver=0 next_ver=0 entry_cnt=3\n"
        "3 ({lst}) pattern loaded from file '{lst}' used by acl at file '{cfg}' line 15, "
        "by acl at file '{cfg}' line 16. curr_ver=0 next_ver=0 entry_cnt=2\n"
        "4 () acl 'src' file '{cfg}' line 15. curr_ver=0 next_ver=0 entry_cnt=0\n"
        "5 () acl 'req.hdr_ip' file '{cfg}' line 16. curr_ver=0 next_ver=0 entry_cnt=0\n"
        "6 ({users}) pattern loaded from file '{users}' used by acl at file '{cfg}' line 17. "
        "curr_ver=0 next_ver=0 entry_cnt=1\n"
        "7 () acl 'hdr' file '{cfg}' line 17. curr_ver=0 next_ver=0 entry_cnt=0\n"
        "8 () acl 'path' file '{cfg}' line 18. curr_ver=0 next_ver=0 entry_cnt=1\n"
        "\n").format(cfg=cfg, lst=lst, users=tmp_path / "users.lst")
    assert admin_cli(sock, "show map").splitlines()[1].startswith("9 (")
    assert [l.split()[1] for l in admin_cli(sock, "show acl #2").splitlines() if l] == ["4:", ":8", "10:20"]
    for name, (s, _) in procs.items():
        assert normalized(admin_cli(s, "show acl #2")) == "PTR 4:\nPTR :8\nPTR 10:20\n\n", name
    admin_cli(sock, "add acl %s 1.2.3.4" % lst)
    admin_cli(sock, "del acl %s 10.0.0.1" % lst)
    assert "entry_cnt=2\n" in admin_cli(sock, "show acl").splitlines(True)[4]
    # an entry named by its address, as "show acl" prints it
    ref = admin_cli(sock, "show acl " + lst).split()[0]
    assert admin_cli(sock, "del acl %s #%s" % (lst, ref)) == "\n"
    assert admin_cli(sock, "show acl " + lst).split()[1:] == ["1.2.3.4"]


def test_invalid_pattern_refused(tollgate, tmp_path):
    """A pattern one of the tests using the reference cannot parse is
    refused with the reason, and the reference stays as it was."""
    from conftest import admin_ready, free_port, wait_until
    lst = tmp_path / "n.lst"
    lst.write_text("10.0.0.1\n")
    sock, port = str(tmp_path / "t.sock"), free_port()
    tollgate(CFG % dict(sock=sock, port=port, lst=lst, map=lst, users=lst), port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    assert admin_cli(sock, "add acl %s notanip" % lst) == \
        "'notanip' is not a valid IPv4 or IPv6 address.\n\n"
    assert admin_cli(sock, "add acl #2 x") == \
        "'x' is neither a number nor a supported operator (eq, ge, gt, le, lt).\n\n"
    assert admin_cli(sock, "show acl " + str(lst)).split()[1:] == ["10.0.0.1"]


BUILTIN_CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """frontend fe
    bind 127.0.0.1:%(port)d
    http-request deny if METH_POST LOCALHOST
    http-request deny unless TRUE
    http-request return status 200
"""


def test_builtin_acls_listed_as_haproxy(tollgate, haproxy, tmp_path):
    """The predefined ACLs a configuration uses are references too, with
    HAProxy's descriptions (the fetch they test) and ids."""
    procs = start_both(tollgate, haproxy, tmp_path, BUILTIN_CFG)
    answers = {name: normalized(admin_cli(sock, "show acl")) for name, (sock, _) in procs.items()}
    assert answers["tollgate"] == answers["haproxy"]
    assert "2 () acl 'always_true' file" in answers["tollgate"]


def test_changes_under_traffic(tollgate, tmp_path):
    """ACL changes made while four threads evaluate the rule: every answer
    is the rule's (200 or 403), none is lost, the process stays up."""
    import threading
    from conftest import admin_ready, free_port, wait_until
    lst = tmp_path / "blocked.lst"
    lst.write_text("10.0.0.1\n")
    users = tmp_path / "users.lst"
    users.write_text("alice\n")
    sock, port = str(tmp_path / "t.sock"), free_port()
    tollgate(CFG % dict(sock=sock, port=port, lst=lst, map=lst, users=users), port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    stop, seen, bad = threading.Event(), set(), []

    def traffic():
        while not stop.is_set():
            try:
                seen.add(status(port, "/"))
            except Exception as e:   # noqa: BLE001 - any failure is reported
                bad.append(repr(e))

    threads = [threading.Thread(target=traffic) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(100):
            assert admin_cli(sock, "add acl %s 127.0.0.1" % lst) == "\n"
            assert admin_cli(sock, "del acl %s 127.0.0.1" % lst) == "\n"
            if i % 10 == 0:
                admin_cli(sock, "prepare acl %s" % lst)
                admin_cli(sock, "add acl @%d %s 127.0.0.0/8" % (i // 10 + 1, lst))
                admin_cli(sock, "commit acl @%d %s" % (i // 10 + 1, lst))
                admin_cli(sock, "clear acl %s" % lst)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert not bad, bad[:3]
    assert seen <= {200, 403} and 200 in seen, seen
    assert admin_cli(sock, "show acl " + str(lst)) == "\n"


def test_get_acl_of_an_empty_found_acl(tollgate, haproxy, tmp_path):
    """`get acl` on an ACL of a method without patterns (found) reading an
    empty file: no entry to name, answered as HAProxy (it crashed)."""
    empty = tmp_path / "empty.acl"
    empty.write_text("")
    cfg = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%%(port)d
    acl f req.hdr(x) -m found -f %s
    http-request return status 200 if f
    http-request return status 404
""" % empty
    procs = start_both(tollgate, haproxy, tmp_path, cfg)
    answers = {name: admin_cli(sock, "get acl %s x" % empty) for name, (sock, _) in procs.items()}
    assert answers["tollgate"] == answers["haproxy"] == "type=found, case=sensitive, match=no\n\n"
    assert "entry_cnt=0" in admin_cli(procs["tollgate"][0], "show acl")
