"""The stats page in a real browser (headless Chromium, Debian's `chromium`):
the DOM it renders has HAProxy's columns and controls (scope box, hide
DOWN, refresh, CSV/JSON export links), the same as HAProxy 2.6's page on the
same configuration, and the controls' links answer what they promise,
followed with a real client."""
import json
import subprocess
from html.parser import HTMLParser

from conftest import admin_cli, start_both, wait_until
from httpbackend import get

CFG = """
global
    stats socket %(sock)s level admin
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
listen stats
    bind 127.0.0.1:%(port)d
    stats enable
    stats uri /stats
    stats refresh 30s
backend be
    server s1 127.0.0.1:%(up)d
    server s2 127.0.0.1:%(down)d check inter 100ms fall 1
backend other
    server o1 127.0.0.1:%(up)d
"""

CHROMIUM_TIMEOUT = 60

SERVER_CLASSES = {"active_up", "backup_up", "active_down", "backup_down", "maintain", "draining",
                  "active_no_check", "backup_no_check"}


def chromium(tmp_path, url, *opts):
    """Runs headless Chromium on <url> with <opts>; returns its stdout (the
    DOM with --dump-dom). Bounded by CHROMIUM_TIMEOUT; Chromium returns once
    the page has loaded."""
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--user-data-dir=" + str(tmp_path / "chromium-profile"), *opts, url]
    r = subprocess.run(cmd, capture_output=True, timeout=CHROMIUM_TIMEOUT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    return r.stdout.decode()


class Page(HTMLParser):
    """What a test reads of a stats page: the column group titles and
    column titles of the first proxy table, each link (text, href), the
    scope form's input, the server rows (name -> class)."""

    def __init__(self, html):
        super().__init__()
        self.groups, self.titles, self.links, self.inputs, self.forms, self.servers = [], [], [], [], [], {}
        self._tables = 0
        self._th = self._a = self._tr = None
        self._td = 0
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr":
            self._tr = a.get("class")
            self._td = 0
        elif tag == "th" and self._tr == "titre":
            self._th, self._text = a, ""
        elif tag == "td" and self._tr in SERVER_CLASSES:
            self._td += 1
            if self._td == 1:
                self._text = ""
        elif tag == "a" and "href" in a:
            self._a, self._text = a["href"], ""
        elif tag == "input":
            self.inputs.append(a)
        elif tag == "form":
            self.forms.append(a)

    def handle_data(self, data):
        self._text += data

    def handle_endtag(self, tag):
        if tag == "th" and self._th is not None:
            text = self._text.strip()
            if "colspan" in self._th:
                self.groups.append(text)
            elif text and "rowspan" not in self._th and "pxname" not in self._th.get("class", ""):
                self.titles.append(text)
            self._th = None
        elif tag == "a" and self._a is not None:
            self.links.append((self._text.strip(), self._a))
            self._a = None
        elif tag == "td" and self._tr in SERVER_CLASSES and self._td == 1:
            self.servers[self._text.strip()] = self._tr
        elif tag == "table":
            self._tables += 1


CONTROLS = ("Hide 'DOWN' servers", "Show all servers", "Disable refresh", "Enable refresh",
            "Refresh now", "CSV export", "JSON export", "schema")


def controls(page):
    return [(t, h) for t, h in page.links if t in CONTROLS]


def start(tollgate, haproxy, tmp_path, http_backend, dead_port):
    b = http_backend("A")
    both = start_both(tollgate, haproxy, tmp_path, CFG, up=b.port, down=dead_port)
    for name, (sock, _) in both.items():
        wait_until(lambda: ",s2," in admin_cli(sock, "show stat")
                   and ",DOWN," in [l for l in admin_cli(sock, "show stat").split("\n") if ",s2," in l][0],
                   what=name + "'s s2 DOWN")
    return both


def test_stats_page_in_chromium(tollgate, haproxy, http_backend, tmp_path, dead_port):
    both = start(tollgate, haproxy, tmp_path, http_backend, dead_port)
    tsock, tport = both["tollgate"]
    _, hport = both["haproxy"]
    base = "http://127.0.0.1:%d/stats" % tport

    dom = chromium(tmp_path, base, "--dump-dom")
    ours = Page(dom)
    ref = Page(get(hport, "/stats")[3].decode())

    # HAProxy's columns, in its order (each proxy's table repeats them)
    assert ours.groups[:8] == ref.groups[:8] == ["Queue", "Session rate", "Sessions", "Bytes", "Denied",
                                                 "Errors", "Warnings", "Server"]
    assert ours.titles[:30] == ref.titles[:30]
    assert ours.titles[21:30] == ["Status", "LastChk", "Wght", "Act", "Bck", "Chk", "Dwn", "Dwntme", "Thrtle"]
    # HAProxy's controls, the same links
    assert controls(ours) == controls(ref) == [
        ("Hide 'DOWN' servers", "/stats;up"), ("Disable refresh", "/stats;norefresh"),
        ("Refresh now", "/stats"), ("CSV export", "/stats;csv;norefresh"),
        ("JSON export", "/stats;json;norefresh"), ("schema", "/stats;json-schema")]
    assert [(i.get("name"), i.get("maxlength")) for i in ours.inputs] == [("scope", "20")]
    assert [(i.get("name"), i.get("maxlength")) for i in ref.inputs] == [("scope", "20")]
    assert [f.get("method").upper() for f in ours.forms] == ["GET"] and "action" not in ours.forms[0]
    # server rows coloured by state, as HAProxy's
    assert ours.servers == ref.servers == {"s1": "active_no_check", "s2": "active_down",
                                           "o1": "active_no_check"}

    # a screenshot: the page renders (a PNG written by the browser)
    shot = tmp_path / "stats.png"
    chromium(tmp_path, base, "--screenshot=" + str(shot), "--window-size=1400,900")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10000

    # each control, followed with a real client
    links = dict(controls(ours))
    st, h, _, body = get(tport, links["CSV export"])
    assert st == 200 and h["content-type"].startswith("text/plain")
    # `show stat`'s header and rows (the stats proxy's own counters move)
    show = [l for l in admin_cli(tsock, "show stat").split("\n") if l]
    csv = body.decode().split("\n")[:-1]
    assert csv[0] == show[0] and [l.split(",")[:2] for l in csv] == [l.split(",")[:2] for l in show]
    assert [l for l in csv if l.startswith("be,s2,")][0].split(",")[17] == "DOWN"
    st, h, _, body = get(tport, links["JSON export"])
    assert st == 200 and h["content-type"].startswith("application/json")
    rows = json.loads(body)
    names = [[f["value"]["value"] for f in r if f["field"]["name"] in ("pxname", "svname")] for r in rows]
    assert names == [l.split(",")[:2] for l in admin_cli(tsock, "show stat").split("\n")[1:] if l]
    st, h, _, body = get(tport, links["schema"])
    assert st == 200 and h["content-type"].startswith("application/json")
    assert body.decode() + "\n" == admin_cli(tsock, "show schema json")
    st, h, _, body = get(tport, links["Disable refresh"])
    assert st == 200 and "http-equiv" not in body.decode()
    assert ("Enable refresh", "/stats") in Page(body.decode()).links
    assert "http-equiv" in get(tport, links["Refresh now"])[3].decode()

    # hide DOWN, in the browser: s2 gone, the link turns to "Show all servers"
    up = Page(chromium(tmp_path, "http://127.0.0.1:%d%s" % (tport, links["Hide 'DOWN' servers"]), "--dump-dom"))
    ref_up = Page(get(hport, "/stats;up")[3].decode())
    assert up.servers == ref_up.servers == {"s1": "active_no_check", "o1": "active_no_check"}
    assert controls(up)[0] == controls(ref_up)[0] == ("Show all servers", "/stats")
    csv_up = get(tport, "/stats;up;csv")[3].decode()
    assert ",s2," not in csv_up and "be,BACKEND," in csv_up and ",UP (1/2)," in csv_up


def test_scope_box(tollgate, haproxy, http_backend, tmp_path, dead_port):
    """The scope box submits "?scope=<text>" (a GET form): only the proxies
    whose name holds it, in any case, and every control keeps it."""
    both = start(tollgate, haproxy, tmp_path, http_backend, dead_port)
    tsock, tport = both["tollgate"]
    _, hport = both["haproxy"]
    # what the browser asks when the box is submitted with "BE"
    scoped = Page(chromium(tmp_path, "http://127.0.0.1:%d/stats?scope=BE" % tport, "--dump-dom"))
    ref = Page(get(hport, "/stats?scope=BE")[3].decode())
    assert scoped.servers == ref.servers == {"s1": "active_no_check", "s2": "active_down"}
    assert [i.get("value") for i in scoped.inputs] == [i.get("value") for i in ref.inputs] == ["BE"]
    assert controls(scoped) == controls(ref)
    assert ("CSV export", "/stats;csv;norefresh?scope=BE") in controls(scoped)
    csv = get(tport, "/stats;csv;norefresh?scope=BE")[3].decode()
    assert {l.split(",")[0] for l in csv.split("\n")[1:] if l} == {"be"}
    # a scope with a character HAProxy refuses is ignored: every proxy
    assert set(Page(get(tport, "/stats?scope=b%3Ce")[3].decode()).servers) == {"s1", "s2", "o1"}
