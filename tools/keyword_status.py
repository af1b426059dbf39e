#!/usr/bin/env python3
"""What Tollgate does with each keyword of HAProxy's reference, asked of the
binary itself: each keyword of doc/haproxy-keywords.txt is put alone, in
its place, into a small configuration checked with `tollgate -c`.

    tools/keyword_status.py [./tollgate]     prints "<cat>\t<kw>\t<status>\t<message>"
    tools/keyword_status.py --write-doc      rewrites the keyword index of
                                             doc/configuration.md

<status> is what the check says about the keyword's line:
  refused    an [ALERT] on that line naming the keyword (unknown keyword,
             "is not supported: ..."), for every rule set an action has;
  no effect  a [WARNING] on that line (accepted, the warning says it has
             no effect);
  supported  neither (missing arguments included: the keyword is known).
tests/integration/test_config_doc_coverage.py compares these with the
index at the end of doc/configuration.md."""
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
KEYWORDS = os.path.join(ROOT, "doc", "haproxy-keywords.txt")

HEAD = """defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
"""

RULESETS = ("http-request", "http-response", "http-after-response",
            "tcp-request content", "tcp-request connection",
            "tcp-request session", "tcp-response content")


def load_keywords(path=KEYWORDS):
    out = []
    for l in open(path, encoding="utf-8"):
        if l.startswith("#") or not l.strip():
            continue
        cat, kw = l.rstrip("\n").split("\t")
        out.append((cat, kw))
    return out


# the keywords that take their first argument in parentheses, as written
# in a probe
FORMS = {
    ("action", "set-var"): "set-var(txn.x) str(1)",
    ("action", "set-var-fmt"): "set-var-fmt(txn.x) a",
    ("action", "unset-var"): "unset-var(txn.x)",
    ("action", "sc-add-gpc"): "sc-add-gpc(0,0) 1",
    ("action", "sc-inc-gpc"): "sc-inc-gpc(0,0)",
    ("action", "sc-inc-gpc0"): "sc-inc-gpc0(0)",
    ("action", "sc-inc-gpc1"): "sc-inc-gpc1(0)",
    ("action", "sc-set-gpt"): "sc-set-gpt(0,0) 1",
    ("action", "sc-set-gpt0"): "sc-set-gpt0(0) 1",
    ("action", "sc-add-gpc"): "sc-add-gpc(0,0) 1",
    ("action", "set-map"): "set-map(/m.map) k v",
    ("action", "del-map"): "del-map(/m.map) k",
    ("action", "add-acl"): "add-acl(/a.acl) k",
    ("action", "del-acl"): "del-acl(/a.acl) k",
    ("proxy", "http-check set-var"): "http-check set-var(check.x) str(1)",
    ("proxy", "http-check unset-var"): "http-check unset-var(check.x)",
    ("proxy", "tcp-check set-var"): "tcp-check set-var(check.x) str(1)",
    ("proxy", "tcp-check unset-var"): "tcp-check unset-var(check.x)",
    ("server", "set-proxy-v2-tlv-fmt"): "set-proxy-v2-tlv-fmt(0xE1) %[str(a)]",
}


def configs(cat, kw):
    """(configuration text, line number of the keyword) to try for <kw>."""
    kw = FORMS.get((cat, kw), kw)
    if cat == "global":
        return [("global\n    %s\n" % kw + HEAD, 2)]
    fe = HEAD + "frontend f\n    bind 127.0.0.1:8080\n"
    n = fe.count("\n") + 1
    if cat == "proxy":
        return [(HEAD + "listen l\n    bind 127.0.0.1:8080\n    %s\n" % kw, n)]
    if cat == "action":
        return [(HEAD + "listen l\n    bind 127.0.0.1:8080\n    %s %s\n" % (rs, kw), n)
                for rs in RULESETS]
    if cat == "bind":
        return [(HEAD + "frontend f\n    bind 127.0.0.1:8080 %s\n" % kw, n - 1)]
    if cat == "server":
        return [(HEAD + "backend b\n    server s 127.0.0.1:8080 %s\n" % kw, n - 1)]
    if cat == "converter":
        return [(fe + "    http-request set-var(txn.x) str(1),%s\n" % kw, n)]
    if cat == "fetch":
        return [(fe + "    http-request set-var(txn.x) %s\n" % kw, n)]
    raise ValueError(cat)


def check(binary, text, line):
    """The [ALERT]s and [WARNING]s `binary -c` gives about <line> of <text>."""
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        r = subprocess.run([binary, "-c", "-f", path], capture_output=True, text=True, timeout=20)
    finally:
        os.unlink(path)
    here = "[%s:%d]" % (path, line)
    msgs = [l for l in (r.stdout + r.stderr).splitlines() if here in l]
    return ([l for l in msgs if "[ALERT]" in l], [l for l in msgs if "[WARNING]" in l])


REFUSAL = re.compile(r"unknown|not supported|is refused|no such|unsupported|not implemented", re.I)


def status(binary, cat, kw):
    """(status, the message that decided it)."""
    st, msg = status1(binary, cat, kw)
    if st == "refused" and "missing value" in msg:
        # "unknown option or missing value": ask again with a value, which
        # may be wrong for the option (then it is known)
        st, msg = status1(binary, cat, kw + " 1")
        if st == "refused" and not re.search(r"unknown option '%s'|not supported" % re.escape(kw), msg):
            st = "supported"
    elif st == "supported" and "expects an argument" in msg:
        # known, but the probe gave no value: with one, it may be a keyword
        # accepted with no effect
        st2, msg2 = status1(binary, cat, kw + " 1")
        if st2 == "no effect":
            st, msg = st2, msg2
    return st, msg


def status1(binary, cat, kw):
    # the word a refusal names: an option's name, an action's first word
    word = kw.split()[-1] if cat == "proxy" else kw.split()[0]
    results = [check(binary, text, line) for text, line in configs(cat, kw)]
    refusals = [a for alerts, _ in results for a in alerts if REFUSAL.search(a) and word in a]
    # an action is refused when every rule set refuses it
    if all(any(REFUSAL.search(a) and word in a for a in alerts) for alerts, _ in results):
        return "refused", refusals[0]
    for alerts, warnings in results:
        if any(REFUSAL.search(a) and word in a for a in alerts):
            continue
        if warnings:
            return "no effect", warnings[0]
        return "supported", (alerts or [""])[0]
    return "supported", ""


def statuses(binary, keywords, jobs=4):
    with ThreadPoolExecutor(jobs) as ex:
        return list(ex.map(lambda ck: status(binary, *ck), keywords))


DOC = os.path.join(ROOT, "doc", "configuration.md")
BEGIN = "<!-- keyword index: tools/keyword_status.py --write-doc -->"
END = "<!-- end of the keyword index -->"
TITLES = (("global", "`global` keywords (HAProxy §3)"),
          ("proxy", "Proxy keywords (§4.1)"),
          ("action", "Actions (§4.3), in any rule set"),
          ("bind", "`bind` options (§5.1)"),
          ("server", "`server` and `default-server` options (§5.2)"),
          ("converter", "Converters (§7.3.1)"),
          ("fetch", "Sample fetches (§7.3.2 to §7.3.6)"))
STATUSES = ("supported", "no effect", "refused")


def index_markdown(results):
    """The index's text: per category, one line per status."""
    out = [BEGIN]
    for cat, title in TITLES:
        out += ["", "### " + title, ""]
        for st in STATUSES:
            kws = [kw for (c, kw), (s, _) in results if c == cat and s == st]
            if kws:
                out.append("- **%s**: %s" % (st, ", ".join("`%s`" % k for k in kws)))
    out += ["", END]
    return "\n".join(out)


def parse_index(text):
    """{(category, keyword): status} from the index of doc/configuration.md."""
    body = text[text.index(BEGIN):text.index(END)]
    titles = dict((t, c) for c, t in TITLES)
    out, cat = {}, None
    for l in body.splitlines():
        if l.startswith("### "):
            cat = titles[l[4:]]
        m = re.match(r"^- \*\*(.+?)\*\*: (.*)$", l)
        if m:
            for kw in re.findall(r"`([^`]+)`", m.group(2)):
                out[(cat, kw)] = m.group(1)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary = args[0] if args else os.path.join(ROOT, "tollgate")
    kws = load_keywords()
    results = list(zip(kws, statuses(binary, kws)))
    if "--write-doc" in sys.argv:
        text = open(DOC, encoding="utf-8").read()
        text = text[:text.index(BEGIN)] + index_markdown(results) + text[text.index(END) + len(END):]
        open(DOC, "w", encoding="utf-8").write(text)
        return
    for (cat, kw), (st, msg) in results:
        print("%s\t%s\t%s\t%s" % (cat, kw, st, msg.split("] : ", 1)[-1]))


if __name__ == "__main__":
    main()
