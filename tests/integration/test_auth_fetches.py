"""The credential fetches http_auth_type, http_auth_user, http_auth_pass
and http_auth_bearer([<header>]), a userlist declared after the frontend
that uses it, and `http-request auth` answering a proxy request (absolute
target) with 407 and Proxy-Authenticate under `option
http-use-proxy-header`: raw requests side by side with HAProxy 2.6."""
import base64

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, exchange, run_check, start_both

FETCH_CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-request return status 200 content-type text/plain lf-string "t=%%[http_auth_type] u=%%[http_auth_user] p=%%[http_auth_pass] b=%%[http_auth_bearer] x=%%[http_auth_bearer(X-Token)] ok=%%[http_auth(L)] g=%%[http_auth_group(L)]" if { path /f }
    http-request auth realm Late if !{ http_auth_group(L) ops }
    http-request return status 200 content-type text/plain string ops

userlist L
    group ops
    user carol insecure-password pw groups ops
    user dave insecure-password pw
"""

PROXY_CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
userlist P
    user carol insecure-password pw

frontend fe
    bind 127.0.0.1:%(port)d
    option http-use-proxy-header
    http-request auth unless { http_auth(P) }
    http-request return status 200 content-type text/plain lf-string "u=%%[http_auth_user]"
"""


def basic(cred):
    return "Basic " + base64.b64encode(cred.encode()).decode()


def raw(port, head):
    """Sends one request head (closing), returns (status, headers dict
    with lower-case names, body)."""
    data = exchange(port, head.encode())
    text = data.decode("latin-1")
    head_part, _, body = text.partition("\r\n\r\n")
    lines = head_part.split("\r\n")
    hdrs = {}
    for l in lines[1:]:
        n, _, v = l.partition(":")
        hdrs[n.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), hdrs, body


def req(path, *fields, target=None):
    host = "example.com" if target else "x"     # an absolute target's authority must match Host
    lines = ["GET %s HTTP/1.1" % (target or path), "Host: " + host, "Connection: close"] + list(fields)
    return "\r\n".join(lines) + "\r\n\r\n"


FETCH_CASES = [
    req("/f"),
    req("/f", "Authorization: " + basic("carol:pw")),
    req("/f", "Authorization: " + basic("carol:bad")),
    req("/f", "Authorization: " + basic("nocolon")),
    req("/f", "Authorization: basic   " + base64.b64encode(b"dave:p:w").decode()),
    req("/f", "Authorization: Bearer abc.def-ghi"),
    req("/f", "Authorization: bearer    tok", "X-Token: Bearer other"),
    req("/f", "X-Token: Basic abc"),
    req("/f", "X-Token: Bearer"),
    req("/f", "Authorization: Digest username=x"),
    req("/f", "Authorization: Basic !!notbase64"),
    req("/f", "Authorization:Basic"),
    req("/", "Authorization: " + basic("carol:pw")),
    req("/", "Authorization: " + basic("dave:pw")),
    req("/"),
]


def test_fetches_like_haproxy(tollgate, haproxy, tmp_path):
    both = start_both(tollgate, haproxy, tmp_path, FETCH_CFG)
    got = {}
    for name, (_, port) in both.items():
        got[name] = []
        for r in FETCH_CASES:
            status, hdrs, body = raw(port, r)
            got[name].append((status, hdrs.get("www-authenticate"), body if status == 200 else ""))
    t = got["tollgate"]
    assert t[0][2] == "t= u= p= b= x= ok= g="   # http_auth: no value without Basic credentials
    assert t[1][2] == "t=Basic u=carol p=pw b= x= ok=1 g=carol"
    assert t[2][2] == "t=Basic u=carol p=bad b= x= ok=0 g="
    assert t[4][2] == "t=Basic u=dave p=p:w b= x= ok=0 g="
    assert t[5][2] == "t=Bearer u= p= b=abc.def-ghi x= ok= g="
    assert t[6][2] == "t=Bearer u= p= b=tok x=other ok= g="
    # the userlist is declared after the frontend that names it
    assert t[12] == (200, None, "ops")
    assert t[13][:2] == (401, 'Basic realm="Late"')
    assert got["tollgate"] == got["haproxy"]


def test_proxy_request_gets_407(tollgate, haproxy, tmp_path):
    both = start_both(tollgate, haproxy, tmp_path, PROXY_CFG)
    cases = [
        req("/", target="http://example.com/"),
        req("/", "Proxy-Authorization: " + basic("carol:pw"), target="http://example.com/"),
        req("/", "Authorization: " + basic("carol:pw"), target="http://example.com/"),
        req("/"),
        req("/", "Authorization: " + basic("carol:pw")),
        req("/", "Proxy-Authorization: " + basic("carol:pw")),
    ]
    got = {}
    for name, (_, port) in both.items():
        got[name] = []
        for r in cases:
            status, hdrs, body = raw(port, r)
            got[name].append((status, hdrs.get("www-authenticate"), hdrs.get("proxy-authenticate"),
                              body if status == 200 else ""))
    t = got["tollgate"]
    assert t[0] == (407, None, 'Basic realm="fe"', "")
    assert t[1] == (200, None, None, "u=carol")
    assert t[2][0] == 407
    assert t[3] == (401, 'Basic realm="fe"', None, "")
    assert t[4] == (200, None, None, "u=carol")
    assert t[5][0] == 401
    assert got["tollgate"] == got["haproxy"]


def test_unknown_late_userlist_is_an_error(tmp_path):
    cfg = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:1
    http-request deny unless { http_auth(NOPE) }

userlist L
    user a insecure-password b
"""
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0
    assert "t.cfg:10" in out and "NOPE" in out, out
