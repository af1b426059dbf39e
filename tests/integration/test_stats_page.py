"""HAProxy's stats page: `stats enable|uri|auth|realm|refresh`, the HTML
page and its CSV export (the rows `show stat` prints), Basic
authentication, a `listen stats` section as HAProxy users write it."""
import base64
import subprocess

from conftest import admin_cli, admin_ready, free_port, run_check, wait_until, HTTP_DEFAULTS
from httpbackend import connect, get, read_response

STATS = """
global
    nbthread 2
    stats socket %(sock)s level admin
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
listen stats
    bind 127.0.0.1:%(sport)d
    stats enable
    stats uri /stats
    stats refresh 5s
%(extra)s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
%(servers)s
"""


def start(tollgate, http_backend, tmp_path, extra="", nservers=2):
    b = http_backend("A")
    port, sport = free_port(), free_port()
    sock = str(tmp_path / "admin.sock")
    servers = "\n".join("    server s%d 127.0.0.1:%d" % (i + 1, b.port) for i in range(nservers))
    tollgate(STATS % dict(sock=sock, sport=sport, port=port, extra=extra, servers=servers), port=sport)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    return port, sport, sock


def rows(csv_text):
    """(pxname, svname) of each CSV row, the header checked."""
    lines = csv_text.strip("\n").split("\n")
    assert lines[0].startswith("# pxname,svname,"), lines[0]
    ncols = lines[0].count(",")
    out = []
    for line in lines[1:]:
        assert line.count(",") == ncols, line
        out.append(tuple(line.split(",")[:2]))
    return out


def test_html_page_and_csv_export(tollgate, http_backend, tmp_path):
    port, sport, sock = start(tollgate, http_backend, tmp_path)
    assert get(port, "/")[0] == 200
    st, h, _, body = get(sport, "/stats")
    assert st == 200 and h["content-type"].startswith("text/html")
    page = body.decode()
    assert "Statistics Report" in page and "be" in page and "s2" in page
    assert 'http-equiv="refresh" content="5"' in page
    assert "/stats;csv" in page
    st, h, _, body = get(sport, "/stats;csv")
    assert st == 200 and h["content-type"].startswith("text/plain")
    # the same rows as the admin socket's show stat, in the same order
    assert rows(body.decode()) == rows(admin_cli(sock, "show stat"))
    assert ("be", "s1") in rows(body.decode())
    # ;norefresh drops the refresh
    assert "http-equiv" not in get(sport, "/stats;norefresh")[3].decode()
    # other URIs of the stats section are not the page
    assert get(sport, "/other")[0] == 503


def test_basic_auth(tollgate, http_backend, tmp_path):
    _, sport, _ = start(tollgate, http_backend, tmp_path,
                        extra="    stats auth admin:s3cret\n    stats auth ops:other\n    stats realm Tollgate\\ stats")
    st, h, _, _ = get(sport, "/stats")
    assert st == 401 and h["www-authenticate"] == 'Basic realm="Tollgate stats"'
    bad = "Basic " + base64.b64encode(b"admin:wrong").decode()
    assert get(sport, "/stats", headers=[("Authorization", bad)])[0] == 401
    for user in (b"admin:s3cret", b"ops:other"):
        good = "Basic " + base64.b64encode(user).decode()
        assert get(sport, "/stats;csv", headers=[("Authorization", good)])[0] == 200
    # curl's -u, and the 401 keeps the connection open for the retry
    p = subprocess.run(["curl", "-s", "-u", "admin:s3cret", "http://127.0.0.1:%d/stats;csv" % sport],
                       capture_output=True, text=True, timeout=10)
    assert p.stdout.startswith("# pxname,svname,")
    with connect(sport) as s:
        s.sendall(b"GET /stats HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(s)[0] == 401
        good = "Basic " + base64.b64encode(b"admin:s3cret").decode()
        s.sendall(b"GET /stats;csv HTTP/1.1\r\nHost: x\r\nAuthorization: " + good.encode() + b"\r\n\r\n")
        assert read_response(s)[0] == 200


def test_large_page_is_streamed(tollgate, http_backend, tmp_path):
    _, sport, _ = start(tollgate, http_backend, tmp_path, nservers=300)
    with connect(sport) as s:
        for uri in (b"/stats", b"/stats;csv"):
            s.sendall(b"GET " + uri + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            st, h, _, body = read_response(s)
            assert st == 200 and int(h["content-length"]) == len(body) > 16384
            assert b"s300" in body


def test_frontend_stats_without_backend(tollgate):
    port = free_port()
    tollgate(HTTP_DEFAULTS + """
frontend monitoring
    bind 127.0.0.1:%d
    stats enable
""" % port, port=port)
    st, _, _, body = get(port, "/haproxy?stats;csv")
    assert st == 200 and body.startswith(b"# pxname,svname,")


def test_stats_keywords_are_checked(tmp_path):
    rc, out, path = run_check("""
defaults
    mode http
listen stats
    bind 127.0.0.1:18404
    stats enable
    stats admin if TRUE
    stats show-legends
""", tmp_path)
    assert rc == 0, out
    assert "%s:7" % path in out and "no admin actions" in out, out
    rc, out, path = run_check("""
defaults
    mode http
listen stats
    bind 127.0.0.1:18404
    stats auth nocolon
""", tmp_path)
    assert rc != 0 and "%s:6" % path in out and "<user>:<password>" in out, out
