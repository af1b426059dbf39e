"""userlist sections and HTTP Basic authentication: `http-request auth`,
http_auth(<userlist>) and http_auth_group(<userlist>) with curl -u,
side by side with HAProxy 2.6 on the same configuration: the 401 and its
WWW-Authenticate challenge (explicit and default realm), good and bad
credentials, a SHA-512 crypt hash and an insecure-password, group
membership; configuration errors at file:line."""
import subprocess

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, run_check, start_both

# `openssl passwd -6 -salt abcdefgh s3cret`
ALICE_HASH = "$6$abcdefgh$Z7KfoKnKTSZrzo5VZ0YubGLQOj9ov6sHo9TmE3zIU/LHKhpE30zCnZ0mcIXYf9r9rQ4DYaXoxAFSPFlcWdxjB."

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
userlist L
    group admins users alice
    group staff
    user alice password '""" + ALICE_HASH.replace("%", "%%") + """'
    user bob insecure-password 'hunter2' groups staff

frontend fe
    bind 127.0.0.1:%(port)d
    acl ok http_auth(L)
    acl is_admin http_auth_group(L) admins
    http-request auth if { path_beg /plain } !ok
    http-request auth realm Secret unless ok
    http-request return status 200 content-type text/plain string admin if { path_beg /admin } is_admin
    http-request deny if { path_beg /admin }
    http-request return status 200 content-type text/plain lf-string "user=%%[http_auth_group(L)]"
"""


def curl(port, path, user=None):
    """(status, www-authenticate value or None, body) of a GET with curl."""
    cmd = ["curl", "-s", "-i", "--max-time", "5", "http://127.0.0.1:%d%s" % (port, path)]
    if user:
        cmd[1:1] = ["-u", user]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode("latin-1")
    head, _, body = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    auth = [l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("www-authenticate:")]
    return status, auth[0] if auth else None, body


CASES = [
    ("/", None),
    ("/", "alice:s3cret"),
    ("/", "alice:wrong"),
    ("/", "bob:hunter2"),
    ("/", "bob:hunter"),
    ("/", "nobody:hunter2"),
    ("/plain", None),
    ("/plain", "bob:x"),
    ("/plain", "bob:hunter2"),
    ("/admin", "alice:s3cret"),
    ("/admin", "bob:hunter2"),
]


def test_auth_like_haproxy(tollgate, haproxy, tmp_path):
    both = start_both(tollgate, haproxy, tmp_path, CFG)
    got = {}
    for name, (_, port) in both.items():
        got[name] = [curl(port, path, user) for path, user in CASES]
    t = got["tollgate"]
    assert t[0][:2] == (401, 'Basic realm="Secret"')
    assert t[1] == (200, None, "user=alice")
    assert t[2][:2] == (401, 'Basic realm="Secret"')
    assert t[3] == (200, None, "user=bob")
    assert t[4][0] == t[5][0] == 401
    assert t[6][:2] == (401, 'Basic realm="fe"')      # default realm: the proxy's name
    assert t[7][:2] == (401, 'Basic realm="fe"')
    assert t[8][0] == 200
    assert t[9] == (200, None, "admin")
    assert t[10][0] == 403
    assert got["tollgate"] == got["haproxy"]


def test_config_errors(tmp_path):
    cases = [
        ("frontend fe\n    bind 127.0.0.1:1\n    acl ok http_auth(NOPE)\n", "t.cfg:9", "NOPE"),
        ("userlist L\n    user bob secret x\n", "t.cfg:8", "secret"),
        ("userlist L\n    user bob insecure-password x groups nogroup\n", "t.cfg:8", "nogroup"),
        ("userlist L\n    group g users nouser\n", "t.cfg:8", "nouser"),
    ]
    for body, where, word in cases:
        rc, out, _ = run_check(HTTP_DEFAULTS + body, tmp_path)
        assert rc != 0, body
        assert where in out and word in out, out
