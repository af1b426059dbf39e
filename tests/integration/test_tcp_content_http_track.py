"""`tcp-request content track-sc0` in mode http, side by side with the
reference HAProxy 2.6: the content rules run for each request of a
keep-alive connection and what they track lasts that request, so each
request counts for its own key (http_req_cnt per x-user header).
"""

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, start_both
from httpbackend import connect, read_response, table_entries

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    tcp-request content track-sc0 req.hdr(x-user) table t
    http-request return status 200 content-type text/plain lf-string "cnt=%%[sc0_http_req_cnt]"
backend t
    stick-table type string size 100 store http_req_cnt,conn_cnt
"""


def test_content_track_per_request_agrees_with_haproxy(tollgate, haproxy, tmp_path):
    both = start_both(tollgate, haproxy, tmp_path, CFG)
    seen = {}
    for name, (sock, port) in both.items():
        bodies = []
        with connect(port) as s:
            for user in (b"alice", b"bob", b"bob", b"carol", b"alice"):
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nx-user: %s\r\n\r\n" % user)
                st, _, _, body = read_response(s)
                bodies.append((st, body.decode()))
        entries = table_entries(admin_cli(sock, "show table t"))
        seen[name] = (bodies, sorted((e["key"], e["http_req_cnt"], e["conn_cnt"]) for e in entries))
    assert [e[:2] for e in seen["tollgate"][1]] == [("alice", "2"), ("bob", "2"), ("carol", "1")]
    assert seen["tollgate"] == seen["haproxy"]
