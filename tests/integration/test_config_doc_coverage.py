"""doc/configuration.md gives every keyword of HAProxy's reference a status
(its "HAProxy keyword index"), and the binary agrees: each keyword of
doc/haproxy-keywords.txt (extracted from HAProxy 3.5's configuration.txt
by tools/haproxy_keywords.py), alone in a configuration checked with
`tollgate -c` (tools/keyword_status.py), is refused with an [ALERT] at its
file:line naming it, accepted with a [WARNING] (no effect), or accepted.
"""
import os
import sys

from conftest import BINARY, ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import keyword_status as ks  # noqa: E402


def documented():
    return ks.parse_index(open(ks.DOC, encoding="utf-8").read())


def test_every_haproxy_keyword_has_a_status_in_the_doc():
    kws = ks.load_keywords()
    assert len(kws) > 1400          # the whole reference, not a sample
    doc = documented()
    missing = [k for k in kws if k not in doc]
    assert not missing, "not in doc/configuration.md's keyword index: %s" % missing
    extra = sorted(set(doc) - set(kws))
    assert not extra, "in the index but not in HAProxy's list: %s" % extra
    assert set(doc.values()) <= set(ks.STATUSES)


def test_the_binary_answers_as_the_doc_says():
    """Each keyword checked alone: the status the index gives it is what
    `tollgate -c` does (run tools/keyword_status.py --write-doc after a
    change, and check the difference)."""
    kws = ks.load_keywords()
    doc = documented()
    wrong = []
    for (cat, kw), (st, msg) in zip(kws, ks.statuses(BINARY, kws)):
        if doc.get((cat, kw)) != st:
            wrong.append("%s %r: doc says %s, tollgate -c: %s (%s)" % (cat, kw, doc.get((cat, kw)), st, msg))
    assert not wrong, "\n".join(wrong)


def test_refusals_name_the_place_and_the_keyword(tmp_path):
    """A refused keyword's alert names file:line and the keyword, in every
    section kind (a sample; the test above checks them all)."""
    for cat, kw in (("global", "lua-load"), ("proxy", "compression"), ("action", "cache-use"),
                    ("bind", "quic-force-retry"), ("server", "socks4"),
                    ("converter", "aes_gcm_dec"), ("fetch", "res.cache_hit")):
        text, line = ks.configs(cat, kw)[0]
        alerts, _ = ks.check(BINARY, text, line)
        assert alerts and kw in alerts[0], (cat, kw, alerts)
