"""Where a fetch may be used, and ACLs that can never match, as HAProxy.

Every fetch that takes no argument is written in each of the five rule
places (tcp-request connection, session and content, http-request,
http-response) and `-c` is asked of Tollgate and of HAProxy 2.6: both
must accept or refuse it alike. An HAProxy configuration that loads in
HAProxy must load here, and one that HAProxy refuses for a fetch used
where its data does not exist yet must not silently load here.

Then ACLs whose every test fetches what the rule's place does not have:
HAProxy loads the configuration but warns that the ACL will never match;
Tollgate must warn with the same text at the same line.
"""
import os
import re
from concurrent.futures import ThreadPoolExecutor

from conftest import HAPROXY, ROOT, run_check

PLACES = {
    "tcp-request connection": "tcp-request connection set-var(sess.a) %s",
    "tcp-request session": "tcp-request session set-var(sess.a) %s",
    "tcp-request content": "tcp-request content set-var(txn.a) %s",
    "http-request": "http-request set-var(txn.a) %s",
    "http-response": "http-response set-var(txn.a) %s",
}

CFG = """defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s
listen fe
    bind 127.0.0.1:9
    %s
    server s 127.0.0.1:1
"""


def argless_fetches():
    """The fetches the sources register that take no argument."""
    names = set()
    for d, _, files in os.walk(os.path.join(ROOT, "src")):
        for f in files:
            if f.endswith(".c"):
                text = open(os.path.join(d, f)).read()
                names.update(re.findall(r'\{ "([a-z0-9_.]+)", *smp_[a-z0-9_]+, *SMP_ARG0\b', text))
    return sorted(names)


def test_fetches_are_accepted_where_haproxy_accepts_them(tmp_path):
    fetches = argless_fetches()
    assert len(fetches) > 60, fetches

    def one(job):
        i, fetch, place = job
        line = PLACES[place] % fetch
        d = tmp_path / str(i)
        d.mkdir()
        rc_h, out_h, _ = run_check(CFG % line, d, "h.cfg", binary=HAPROXY)
        rc_t, out_t, _ = run_check(CFG % line, d, "t.cfg")
        if "unknown fetch" in out_h.lower() or "unknown fetch" in out_t.lower():
            return None         # a fetch one of the two does not have
        if (rc_h == 0) != (rc_t == 0):
            return "%s in %s: haproxy %s, tollgate %s%s" % (
                fetch, place, "accepts" if rc_h == 0 else "refuses",
                "accepts" if rc_t == 0 else "refuses", "" if rc_t == 0 else ": " + out_t.strip())
        return None

    jobs = [(i, f, p) for i, (f, p) in enumerate((f, p) for f in fetches for p in PLACES)]
    with ThreadPoolExecutor(4) as ex:
        diffs = [d for d in ex.map(one, jobs) if d]
    assert not diffs, "\n".join(diffs)


NEVER = """defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s
frontend fe
    bind 127.0.0.1:9
    acl a path /x
    acl b path /y
    acl b src 127.0.0.1
    tcp-request connection reject if { req.hdr(host) -m found }
    tcp-request connection reject if a
    tcp-request connection reject if b
    tcp-request session reject if { req.len gt 0 }
    tcp-request content reject if { res.hdr(x) -m found }
    http-request deny if { res.hdr(x) -m found }
    http-request deny if a
    http-response deny if { path /z }
    use_backend be if { status 200 }
    default_backend be
backend be
    use-server s if { res.hdr(x) -m found }
    stick-table type string len 32 size 10
    stick on path if { status 200 }
    server s 127.0.0.1:1
"""


def never_lines(out):
    """(line, message) of the "will never match" warnings."""
    return sorted(re.findall(r"parsing \[[^:\]]+:(\d+)\] : (.* will never match .*)", out))


def test_acls_that_never_match_are_warned_as_haproxy(tmp_path):
    rc_h, out_h, _ = run_check(NEVER, tmp_path, "h.cfg", binary=HAPROXY)
    rc_t, out_t, _ = run_check(NEVER, tmp_path, "t.cfg")
    assert rc_h == 0 and rc_t == 0, (out_h, out_t)
    want = never_lines(out_h)
    assert len(want) >= 8, out_h
    assert never_lines(out_t) == want, out_t
