"""FIX converters in tcp-request content rules, side by side with HAProxy
2.6 on one configuration: fix_is_valid accepts only whole, well-formed
messages (inspection waits for the rest of a partial one), and
fix_tag_value reads a field to route on."""

from conftest import free_port, wait_port
from test_tcp_inspect import routed_to


def fix(fields, ver="FIX.4.4"):
    body = "".join("%s=%s\x01" % f for f in fields)
    m = "8=%s\x019=%d\x01%s" % (ver, len(body), body)
    return (m + "10=%03d\x01" % (sum(m.encode()) % 256)).encode()


CFG = """
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%d
    tcp-request inspect-delay 3s
    tcp-request content reject unless { req.payload(0,0),fix_is_valid }
    tcp-request content set-var(sess.sender) req.payload(0,0),fix_tag_value(SenderCompID)
    use_backend be_b if { var(sess.sender) -m str B-SIDE }
    default_backend be_a
backend be_a
    server s 127.0.0.1:%d
backend be_b
    server s 127.0.0.1:%d
"""


def test_fix_routing_agrees_with_haproxy(tollgate, haproxy, backend):
    logon = fix([(35, "A"), (49, "CLIENT"), (56, "SERVER")])
    from_b = fix([(35, "A"), (49, "B-SIDE"), (56, "SERVER")])
    bad_sum = logon[:-4] + b"999\x01"
    bad_version = fix([(35, "A"), (49, "CLIENT")], ver="FIX.9.9")
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        a, b = backend("A"), backend("B")
        port = free_port()
        start(CFG % (port, a.port, b.port))
        wait_port(port)
        seen[name] = [routed_to(port, logon), routed_to(port, from_b),
                      routed_to(port, [from_b[:20], from_b[20:]]),   # waits for the rest
                      routed_to(port, bad_sum), routed_to(port, bad_version)]
    assert seen["tollgate"] == [b"A", b"B", b"B", b"", b""]
    assert seen["tollgate"] == seen["haproxy"]
