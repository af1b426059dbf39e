"""Backend publication (HAProxy 3.x): `be-unpublished`, the admin
socket's `publish backend` / `unpublish backend`, and `force-be-switch`.
A static or computed use_backend rule naming an unpublished backend passes
to the next rule unless a force-be-switch rule matches; a disabled backend
is passed over too. HAProxy 2.6 has none of this: the answers are 3.x's
(management.txt and the reg-test stream/test_content_switching)."""
from httpbackend import request

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, run_check, wait_until

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    force-be-switch if { req.hdr(x-force) 1 }
    use_backend %%[req.hdr(x-target)] if { req.hdr(x-dyn) 1 }
    use_backend be_off if { req.hdr(x-target) be_off }
    use_backend be_new if { req.hdr(x-target) be_new }
    use_backend be
    default_backend be_default

backend be
    http-request return status 200 hdr x-be %%[be_name]

backend be_new
    be-unpublished
    http-request return status 200 hdr x-be %%[be_name]

backend be_off
    disabled
    http-request return status 200 hdr x-be %%[be_name]

backend be_default
    http-request return status 200 hdr x-be %%[be_name]
"""


def test_publish_unpublish_and_force(tollgate, tmp_path):
    sock = str(tmp_path / "t.sock")
    port = free_port()
    tollgate(CFG % {"sock": sock, "port": port}, port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")

    def be(*hdrs):
        raw = "GET / HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n" % "".join("%s\r\n" % h for h in hdrs)
        _, h, _, _ = request(port, raw.encode())
        return h.get("x-be")

    cli = lambda cmd: admin_cli(sock, cmd).strip()
    assert be("x-target: be_new") == "be"                       # unpublished: next rule
    assert be("x-dyn: 1", "x-target: be_new") == "be"
    assert be("x-target: be_new", "x-force: 1") == "be_new"     # forced
    assert be("x-dyn: 1", "x-target: be_new", "x-force: 1") == "be_new"
    assert be("x-target: be_off") == "be"                       # disabled: next rule
    assert be("x-dyn: 1", "x-target: nosuch") == "be_default"   # unknown name: default
    assert cli("publish backend be_new") == "Backend published."
    assert be("x-target: be_new") == "be_new"
    assert be("x-dyn: 1", "x-target: be_new") == "be_new"
    assert cli("unpublish backend be") == "Backend unpublished."
    assert be() == "be_default"
    assert be("x-force: 1") == "be"
    assert cli("unpublish backend nosuch") == "No such backend."
    assert cli("unpublish backend be_off") == "No effect on a disabled backend."
    assert cli("publish backend be") == "Backend published."
    assert be() == "be"


def test_force_be_switch_needs_a_condition(tmp_path):
    rc, out, path = run_check(HTTP_DEFAULTS + "frontend fe\n    bind 127.0.0.1:%d\n    force-be-switch\n" % free_port(), tmp_path)
    assert rc != 0
    assert "[%s:9] : 'force-be-switch' expects 'if' or 'unless' followed by a condition." % path in out
