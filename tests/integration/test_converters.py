"""Converters and constant fetches seen from outside: a frontend copies the
result of each converter applied to a request header into a response
header (`http-response set-header X %[req.hdr(x-in),<conv>]` through a
txn variable), and the same configuration runs through Tollgate and the
reference HAProxy 2.6 on the same inputs: each header must agree.
Converters that 2.6 lacks (le2dec, has_ctl, reverse, param) are checked
against the values of HAProxy's own reg-tests instead.
"""

import pytest

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import get

# converters HAProxy 2.6 also has: name of the response header -> expression
# applied to the input (the x-in request header, kept in txn.in)
COMMON = {
    "be2dec": "be2dec(:,2)",
    "be2dec-t": "be2dec(-,3,1)",
    "be2hex": "be2hex",
    "be2hex-c": "be2hex(:,2)",
    "be2hex-t": "be2hex(.,3,1),lower",
    "url-dec": "url_dec",
    "url-dec-form": "url_dec(1)",
    "url-enc": "url_enc",
    "ub64enc": "ub64enc",
    "ub64dec": "ub64dec",
    "host-only": "host_only",
    "port-only": "port_only",
    "hex2i": "hex2i",
    "bytes": "bytes(1,3)",
    "concat": "concat(<,,>)",
    "iif": "length,bool,iif(full,empty)",
    "crc32c": "crc32c",
    "crc32c-1": "crc32c(1)",
    "crc32-1": "crc32(1)",
    "djb2-1": "djb2(1)",
    "sdbm-1": "sdbm(1)",
    "wt6-1": "wt6(1)",
    "xxh32": "xxh32",
    "xxh32-s": "xxh32(7)",
    "xxh64": "xxh64",
    "xxh64-s": "xxh64(7)",
    "xxh3": "xxh3",
    "xxh3-s": "xxh3(12345)",
    "sha1": "sha1,hex",
    "sha2": "sha2,hex",
    "sha2-224": "sha2(224),hex",
    "sha2-384": "sha2(384),hex",
    "sha2-512": "sha2(512),base64",
    "json": "json(utf8s)",
    "regsub": "regsub(b,X)",
    "regsub-g": "regsub(a|b,-,g)",
    "regsub-i": "regsub(^H,h,i)",
    "regsub-empty": "regsub(x*,.,g)",
    "regsub-grp": "regsub('([a-z]+)[.:]([a-z0-9]+)','<\\2>')",
}

# digests and HMACs (SHA family, no TLS library), in a configuration of
# their own: their long answers would not fit beside the others in one
# rewritten response head
DIGESTS = {
    "digest-1": "digest(sha1),hex",
    "digest-256": "digest(SHA256),hex",
    "digest-384": "digest(sha384),hex",
    "hmac-256": "hmac(sha256,a2V5),hex",
    "hmac-1": "hmac(sha1,a2V5),base64",
    "hmac-512-long": "hmac(sha512,AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsc=),hex",
}

# inputs of several lengths: xxh3 and the SHA family switch code paths
# with the length (0, 1-3, 4-8, 9-16, 17-128, 129-240, longer)
INPUTS = ["", "a", "abc", "Host.Example:8080", "1F", "/a+b%20?c%3Dd+e",
          "0123456789abcdef", "x" * 40, "Zm9vYmE", "[::1]:443", "FPucA9l_Etl-"]
# longer inputs for the hashes only (their answers are short)
HASHES = [n for n in list(COMMON) + list(DIGESTS)
          if n.startswith(("crc", "xxh", "sha", "djb2", "sdbm", "wt6", "digest", "hmac"))]
LONG_INPUTS = ["x" * 100, "y" * 200, "z" * 1500]


def config(port, backend_port, exprs):
    lines = ["    http-response set-header %s \"%%[var(txn.in),%s]\"%s" % (
             h, e, "" if h in HASHES else " if !{ var(txn.path) -m beg /long }")
             for h, e in exprs.items()]
    return """
global
    tune.maxrewrite 8192
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request set-var(txn.in) req.hdr(x-in)
    http-request set-var(txn.path) path
%s
    http-response set-header str "%%[str(foo 1/2),json]"
    http-response set-header bin "%%[bin(14fb9c03d97f12d97e),ub64enc]"
    http-response set-header time "%%[int(784111777),http_date] %%[int(784111777005),http_date(0,ms)] %%[int(784111777),http_date(-86400)] %%[int(784111777),utime(%%Y%%m%%d-%%H%%M%%S,3600)] %%[int(5),odd] %%[int(5),even] %%[int(5),cpl] %%[date,sub(0),bool]"
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, "\n".join(lines), backend_port)


def answers(port, value, names):
    st, hd, hl, _ = get(port, headers=[("x-in", value)], path="/long" if len(value) > 50 else "/")
    assert st == 200
    got = dict((n.lower(), v) for n, v in hl)
    return {n: got.get(n) for n in names}


def start_pair(tollgate, haproxy, http_backend, frontend):
    """Starts Tollgate and HAProxy on one configuration: HTTP_DEFAULTS, the
    frontend section <frontend> (its bind line added, default_backend be)
    and a backend be with one server of its own. Returns {name: (port,
    backend)}."""
    out = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        port = free_port()
        start(HTTP_DEFAULTS + "frontend fe\n    bind 127.0.0.1:%d\n" % port + frontend +
              "    default_backend be\nbackend be\n    server s1 127.0.0.1:%d\n" % b.port, port=port)
        out[name] = (port, b)
    return out


def headers_of(port, **kw):
    """One request (httpbackend.get arguments); its response headers, by
    lower-case name."""
    return dict((n.lower(), v) for n, v in get(port, **kw)[2])


@pytest.mark.parametrize("exprs", [COMMON, DIGESTS], ids=["converters", "digests"])
def test_converters_agree_with_haproxy(tollgate, haproxy, http_backend, exprs):
    """Every converter gives HAProxy 2.6's answer on every input."""
    ports = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        ports[name] = free_port()
        start(config(ports[name], b.port, exprs), port=ports[name])
    names = list(exprs) + ["str", "bin", "time"]
    for value in INPUTS + LONG_INPUTS:
        t = answers(ports["tollgate"], value, names)
        h = answers(ports["haproxy"], value, names)
        for n in names:
            if len(value) > 50 and n not in HASHES:
                continue
            assert t[n] == h[n], "%s on %r: tollgate %r, haproxy %r" % (n, value, t[n], h[n])
    # and a few known answers, so that both cannot be wrong together
    t = answers(ports["tollgate"], "abc", names)
    if exprs is DIGESTS:
        # Python's hmac module: hmac.new(b"key", b"abc", "sha256")
        assert t["hmac-256"] == "9C196E32DC0175F86F4B1CB89289D6619DE6BEE699E4C378E68309ED97A1A6AB"
        return
    assert t["sha1"] == "A9993E364706816ABA3E25717850C26C9CD0D89D"
    assert t["str"] == "foo 1\\/2"
    assert t["bin"] == "FPucA9l_Etl-"
    assert t["time"] == "Sun, 06 Nov 1994 08:49:37 GMT Sun, 06 Nov 1994 08:49:37.5 GMT " \
        "Sat, 05 Nov 1994 08:49:37 GMT 19941106-094937 1 0 -6 1"
    assert answers(ports["tollgate"], "/a+b%20?c%3Dd+e", names)["url-dec"] == "/a+b ?c=d e"


NEWER = {
    "le2dec": "le2dec(-,3)",
    "has-ctl": "has_ctl(0x200)",
    "has-ctl-def": "has_ctl",
    "reverse": "reverse",
    "param": "param(b,;)",
}


@pytest.mark.parametrize("value,want", [
    ("0123456789", {"le2dec": "3289392-3486771-3684150-57", "has-ctl": "0", "has-ctl-def": "0",
                    "reverse": "9876543210", "param": None}),
    ("a=1;b=2\tc", {"le2dec": "3226977-4022843-6490418", "has-ctl": "1", "has-ctl-def": "0",
                     "reverse": "c\t2=b;1=a", "param": "2\tc"}),
])
def test_newer_converters(tollgate, http_backend, value, want):
    """Converters HAProxy 2.6 lacks give the values of HAProxy's reg-tests
    (converter/le2dec.vtc, has_ctl.vtc, reverse.vtc) and manual."""
    b = http_backend()
    port = free_port()
    tollgate(config(port, b.port, NEWER), port=port)
    got = answers(port, value, list(NEWER))
    for n, w in want.items():
        assert (got[n] or "") == (w or ""), n


def test_converter_errors_name_the_place(tmp_path):
    """A bad converter argument is refused with file:line and the reason."""
    from conftest import run_check
    cfg = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request set-header x %%[req.hdr(a),be2dec(:,9)]
""" % free_port()
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0
    assert "t.cfg:10" in out and "chunk_size out of [1..8] range" in out


def test_proxy_and_server_fetches_agree_with_haproxy(tollgate, haproxy, http_backend):
    """fe_name, fe_id, be_name, be_id, srv_name and srv_id name the
    frontend, the backend and the server that answered, as in HAProxy."""
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b1, b2 = http_backend(name + "1"), http_backend(name + "2")
        port = free_port()
        start(HTTP_DEFAULTS + """
frontend fe
    id 10
    bind 127.0.0.1:%d
    http-response set-header x-fetch "%%[fe_name]/%%[fe_id] %%[be_name]/%%[be_id] %%[srv_name]/%%[srv_id]"
    default_backend be
backend be
    # explicit ids: HAProxy 2.6 numbers automatic ones from 1, 3.x (and
    # Tollgate, whose dialect is 3.0) from 2
    id 20
    balance roundrobin
    server srv1 127.0.0.1:%d
    server srv2 127.0.0.1:%d id 7
""" % (port, b1.port, b2.port), port=port)
        seen[name] = [dict((n.lower(), v) for n, v in get(port)[2])["x-fetch"] for _ in range(2)]
    assert sorted(seen["tollgate"]) == ["fe/10 be/20 srv1/1", "fe/10 be/20 srv2/7"]
    assert seen["tollgate"] == seen["haproxy"]


def test_in_table_and_table_server_id_agree_with_haproxy(tollgate, haproxy, http_backend):
    """in_table says whether a key has an entry (in the named table or the
    frontend's own), table_server_id reads the server a key sticks to."""
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b1, b2 = http_backend(name + "1"), http_backend(name + "2")
        port = free_port()
        start(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    stick-table type string size 10 store http_req_cnt
    http-request set-var(txn.k) req.hdr(x-k)
    http-request set-var(txn.before) var(txn.k),in_table
    http-request track-sc0 req.hdr(x-k) if { req.hdr(x-k) -m found }
    http-response set-header x-in "%%[var(txn.k),in_table(fe)] %%[var(txn.k),in_table(be)] %%[var(txn.k),table_server_id(be)] before=%%[var(txn.before)]"
    default_backend be
backend be
    stick-table type string size 10 store server_id
    stick on req.hdr(x-k)
    server s1 127.0.0.1:%d id 11
    server s2 127.0.0.1:%d id 12
""" % (port, b1.port, b2.port), port=port)
        got = []
        for k in ("a", "a", "b"):
            hl = get(port, headers=[("x-k", k)])[2]
            got.append(dict((n.lower(), v) for n, v in hl)["x-in"])
        seen[name] = got
    assert seen["tollgate"][:2] == ["1 1 11 before=0", "1 1 11 before=1"]
    assert seen["tollgate"] == seen["haproxy"]


def test_map_regm_agrees_with_haproxy(tollgate, haproxy, http_backend, tmp_path):
    """map_regm returns the value of the first matching regex with its
    \\N replaced by the groups the key captured (HAProxy's
    http-rules/map_regm_with_backref.vtc, and more)."""
    mp = tmp_path / "hosts.map"
    mp.write_text("^(.*)\\.(.*)$ \\1_AND_\\2\n^([a-z]+)-([0-9]+)$ \\2 is \\1 <\\0>\n")
    seen = {}
    for name, (port, _) in start_pair(tollgate, haproxy, http_backend, """
    http-request set-var(txn.k) req.hdr(x-k)
    http-response set-header x-m "%%[var(txn.k),map_regm(%s,unknown)]"
""" % mp).items():
        seen[name] = [headers_of(port, headers=[("x-k", k)])["x-m"]
                      for k in ("example.org", "a.b.c", "user-42", "nodot")]
    assert seen["tollgate"] == ["example_AND_org", "a.b_AND_c", "42 is user <user-42>", "unknown"]
    assert seen["tollgate"] == seen["haproxy"]


def test_acl_fetch(tollgate, http_backend, tmp_path):
    """acl(<name>[,!<name>...]) is the AND of named (or built-in) ACLs, as
    in HAProxy's reg-test sample_fetches/acl.vtc (HAProxy 2.6 lacks it)."""
    from conftest import run_check
    b = http_backend()
    port = free_port()
    tollgate(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    acl ACL1 always_true
    acl ACL2 acl(ACL1)
    acl ACL3 acl(!ACL2)
    acl ACL4 acl(ACL2,!ACL3)
    acl is_x path /x
    http-response set-header x-acl "ACL1=%%[acl(ACL1)] ACL2=%%[acl(ACL2)] ACL3=%%[acl(ACL3)] ACL4=%%[acl(ACL4)] TRUE=%%[acl(TRUE)] X=%%[acl(is_x,ACL4)]"
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, b.port), port=port)
    for path, x in (("/x", 1), ("/y", 0)):
        hl = get(port, path=path)[2]
        assert dict((n.lower(), v) for n, v in hl)["x-acl"] == \
            "ACL1=1 ACL2=1 ACL3=0 ACL4=1 TRUE=1 X=%d" % x
    rc, out, _ = run_check(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request deny if { acl(NOPE) }
""" % free_port(), tmp_path)
    assert rc != 0 and "t.cfg:10" in out and "no such ACL: 'NOPE'" in out, out


def test_pathq_cook_names_and_rtt(tollgate, haproxy, http_backend):
    """pathq (path and query, without scheme and authority) agrees with
    HAProxy 2.6; req.cook_names (newer than 2.6) lists the cookie names;
    fc_rtt/bc_rtt give the kernel's RTT estimates as integers."""
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        port = free_port()
        cfg = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request set-var(txn.pq) pathq
    http-response set-header x-pq "%%[var(txn.pq)]"
    http-response set-header x-rtt "%%[fc_rtt] %%[fc_rttvar(us)]"
""" % port
        if name == "tollgate":
            cfg += """    http-request set-var(txn.cn) req.cook_names
    http-request set-var(txn.cn2) req.cook_names(;)
    http-response set-header x-cn "%[var(txn.cn)]|%[var(txn.cn2)]"
    http-response set-header x-brtt "%[bc_rtt(us)] %[bc_rttvar(us)]"
"""
        start(cfg + """    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % b.port, port=port)
        out = []
        for path in ("/a/b?x=1&y", "http://x/abs?q", "/plain"):
            hl = dict((n.lower(), v) for n, v in get(port, path=path, headers=[("Cookie", "a=1; bb=2"), ("Cookie", "c=3")])[2])
            out.append(hl["x-pq"])
            rtt, rttvar = (int(v) for v in hl["x-rtt"].split())
            assert 0 <= rtt < 1000 and 0 < rttvar   # ms on loopback; us
            if name == "tollgate":
                assert hl["x-cn"] == "a,bb,c|a;bb;c"
                brtt, brttvar = (int(v) for v in hl["x-brtt"].split())
                assert brtt > 0 and brttvar > 0
        seen[name] = out
    assert seen["tollgate"] == ["/a/b?x=1&y", "/abs?q", "/plain"]
    assert seen["tollgate"] == seen["haproxy"]


def test_unique_id_agrees_with_haproxy(tollgate, haproxy, http_backend):
    """unique-id-format makes one id per request, unique-id-header sends it
    to the server, the unique-id fetch reads it (same id), as HAProxy."""
    seen = {}
    for name, (port, b) in start_pair(tollgate, haproxy, http_backend, """
    unique-id-format "%{+X}o %ci_%[req.hdr(x-n)]_%[path]"
    unique-id-header X-Unique-ID
    http-response set-header x-uid "%[unique-id]"
""").items():
        out = []
        for n in ("a", "b"):
            hl = headers_of(port, path="/p" + n, headers=[("x-n", n)])
            out.append((b.requests[-1].header("x-unique-id"), hl["x-uid"]))
        seen[name] = out
    assert seen["tollgate"] == [("7F000001_a_/pa",) * 2, ("7F000001_b_/pb",) * 2]
    assert seen["tollgate"] == seen["haproxy"]


def test_table_expire_and_idle(tollgate, haproxy, http_backend):
    """table_expire gives the ms an entry has left, table_idle the ms since
    it was touched, the default for an absent key; without a table name
    the table converters use their own proxy's table; as HAProxy 2.6."""
    for name, (port, _) in start_pair(tollgate, haproxy, http_backend, """
    stick-table type string size 10 expire 30s store http_req_cnt
    http-request set-var(txn.k) req.hdr(x-k)
    http-request track-sc0 req.hdr(x-k) if { req.hdr(x-k) -m found }
    http-response set-header x-t "%[var(txn.k),table_expire(fe)] %[var(txn.k),table_idle(fe)] %[str(none),table_expire(fe,-1)] %[str(none),table_idle(fe,-2)]"
    http-response set-header x-n "%[var(txn.k),table_http_req_cnt] %[var(txn.k),table_expire,div(10000)] %[var(txn.k),in_table]"
""").items():
        hd = headers_of(port, headers=[("x-k", "a")])
        exp, idle, d1, d2 = (int(v) for v in hd["x-t"].split())
        assert 29000 < exp <= 30000 and 0 <= idle < 1000 and exp + idle <= 30000, name
        assert (d1, d2) == (-1, -2), name
        # without a table name: the table of the proxy declaring the rule
        # (30000 ms left, div(10000): 3 within the millisecond of the touch)
        assert hd["x-n"] in ("1 2 1", "1 3 1"), name


def test_formats_compiled_late_use_their_own_proxy(tollgate, http_backend):
    """unique-id-format (compiled once every section is read) resolves
    acl() and a table converter without a table in its own frontend, not
    in the last section parsed."""
    b = http_backend()
    port, port2 = free_port(), free_port()
    tollgate(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    stick-table type ip size 10 store http_req_cnt
    http-request track-sc0 src
    acl A always_true
    unique-id-format "%%[acl(A)]-%%[src,table_http_req_cnt]"
    http-response set-header x-u "%%[unique-id]"
    default_backend be
frontend other
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, port2, b.port), port=port)
    assert headers_of(port)["x-u"] == "1-1"


def test_empty_parentheses_are_an_empty_string_argument(tollgate, haproxy, http_backend):
    """`str()` is an empty string (HAProxy's conformance test of `reverse`
    starts from it), as HAProxy 2.6 also reads it."""
    for name, (port, _) in start_pair(tollgate, haproxy, http_backend, """
    http-response set-header x-e "[%[str(),length]][%[str(),upper]][%[str(ab),upper]]"
""").items():
        assert headers_of(port)["x-e"] == "[0][][AB]", name
