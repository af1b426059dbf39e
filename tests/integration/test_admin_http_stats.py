"""HTTP counters and health-check status on the admin socket, as HAProxy:
`show stat` req_tot, hrsp_*, dreq, dresp, intercepted on frontend and
backend rows of mode http proxies (empty in mode tcp), check_status,
check_code and check_desc on server rows, `show info` CumReq, the numeric
srv_check_status/srv_check_result of `show servers state`, and the same
values in the typed and json formats."""
import json
import threading

from conftest import admin_cli, admin_ready, free_port, wait_until
from httpbackend import get




def start_proxy(tollgate, tmp_path, body):
    sock = str(tmp_path / "admin.sock")
    t = tollgate("""
global
    nbthread 2
    stats socket %s level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 1s
%s
""" % (sock, body))
    t.wait_log("started")
    wait_until(lambda: admin_ready(sock), 10, "the admin socket")
    return t, sock


def stat_rows(sock, fmt=""):
    """`show stat` as {(pxname, svname): {column: value}}; every row has
    as many fields as the header."""
    lines = admin_cli(sock, "show stat").splitlines()
    assert lines[0].startswith("# pxname,svname,")
    cols = lines[0][2:].split(",")
    rows = {}
    for line in lines[1:]:
        if line:
            f = line.split(",")
            assert len(f) == len(cols), line
            rows[(f[0], f[1])] = dict(zip(cols, f))
    return rows


def servers_state(sock, be, srv):
    """The `show servers state` line of <be>/<srv> as {field: value}."""
    lines = admin_cli(sock, "show servers state").splitlines()
    names = lines[1][2:].split()
    for line in lines[2:]:
        f = line.split()
        if len(f) > 3 and f[1] == be and f[3] == srv:
            assert len(f) == len(names), line
            return dict(zip(names, f))
    raise AssertionError("no %s/%s in show servers state" % (be, srv))


def test_http_counters_in_show_stat_info_typed_and_json(http_backend, backend, tollgate, tmp_path):
    def handler(req):
        if req.path == "/missing":
            return 404, [], b"no\n"
        return 200, [("Content-Type", "text/plain")], b"ok\n"

    web = http_backend("A", handler)
    raw = backend("T")
    port, tport = free_port(), free_port()
    _, sock = start_proxy(tollgate, tmp_path, """
frontend fe
    bind 127.0.0.1:%d
    http-request deny if { path /deny }
    http-request return status 200 content-type text/plain string "here" if { path /ret }
    default_backend be
backend be
    server a 127.0.0.1:%d
frontend tfe
    mode tcp
    bind 127.0.0.1:%d
    default_backend tbe
backend tbe
    mode tcp
    server t 127.0.0.1:%d
""" % (port, web.port, tport, raw.port))

    # 3 forwarded 200s, one forwarded 404, one denied (403), one returned (200)
    for _ in range(3):
        assert get(port, "/")[0] == 200
    assert get(port, "/missing")[0] == 404
    assert get(port, "/deny")[0] == 403
    st, _, _, body = get(port, "/ret")
    assert st == 200 and body == b"here"
    assert web.count() == 4

    wait_until(lambda: stat_rows(sock)[("be", "BACKEND")]["hrsp_4xx"] == "1", 5, "be counted")
    rows = stat_rows(sock)
    fe, be, srv = rows[("fe", "FRONTEND")], rows[("be", "BACKEND")], rows[("be", "a")]
    # frontend: every request received and answered, whoever answered it
    assert fe["req_tot"] == "6", fe
    assert (fe["hrsp_1xx"], fe["hrsp_2xx"], fe["hrsp_3xx"], fe["hrsp_4xx"], fe["hrsp_5xx"],
            fe["hrsp_other"]) == ("0", "4", "0", "2", "0", "0"), fe
    assert fe["dreq"] == "1" and fe["intercepted"] == "1" and fe["ereq"] == "0", fe
    assert fe["dresp"] == "0" and fe["mode"] == "http"
    # backend: only the requests that reached it (the frontend's rules
    # answered the others before a backend was chosen)
    assert be["req_tot"] == "4", be
    assert (be["hrsp_1xx"], be["hrsp_2xx"], be["hrsp_3xx"], be["hrsp_4xx"], be["hrsp_5xx"],
            be["hrsp_other"]) == ("0", "3", "0", "1", "0", "0"), be
    assert be["dreq"] == "0" and be["dresp"] == "0", be
    assert be["intercepted"] == "", be          # a frontend column in HAProxy 3.x
    # the server's HTTP counters: what it was sent and answered; no check:
    # empty check fields
    assert srv["req_tot"] == "4" and srv["hrsp_2xx"] == "3" and srv["hrsp_4xx"] == "1", srv
    assert srv["check_status"] == "" and srv["check_code"] == "" and srv["check_desc"] == ""
    # request rates: a frontend's (HAProxy's), not a server's
    assert int(fe["req_rate_max"]) >= 6 and srv["req_rate"] == "" and srv["req_rate_max"] == ""
    # not measured: empty, never a made-up 0
    for col in ("check_duration", "last_chk"):
        assert fe[col] == "" and srv[col] == "", col
    # mode tcp proxies have no HTTP columns
    for key in (("tfe", "FRONTEND"), ("tbe", "BACKEND")):
        r = rows[key]
        assert r["req_tot"] == "" and r["hrsp_2xx"] == "" and r["intercepted"] == "", r
        assert r["dreq"] == "0", r

    # show info: CumReq is the frontends' requests
    info = dict(l.split(": ", 1) for l in admin_cli(sock, "show info").splitlines() if ": " in l)
    assert info["CumReq"] == "6", info

    # typed: the same values, HAProxy's tags
    typed = admin_cli(sock, "show stat typed").splitlines()

    def typed_val(obj, iid, sid, name):
        hits = [l for l in typed if l.startswith("%s.%s.%s." % (obj, iid, sid)) and
                l.split(":")[0].split(".")[4] == name]
        assert len(hits) <= 1, hits
        return hits[0].split(":", 3)[1:] if hits else None

    iid_fe, iid_be = fe["iid"], be["iid"]
    assert typed_val("F", iid_fe, 0, "req_tot") == ["MCPP", "u64", "6"]
    assert typed_val("F", iid_fe, 0, "hrsp_4xx") == ["MCPP", "u64", "2"]
    assert typed_val("F", iid_fe, 0, "intercepted") == ["MCPP", "u64", "1"]
    assert typed_val("F", iid_fe, 0, "dreq") == ["MCPP", "u64", "1"]
    assert typed_val("B", iid_be, 0, "req_tot") == ["MCPP", "u64", "4"]
    assert typed_val("B", iid_be, 0, "intercepted") is None
    assert typed_val("S", iid_be, srv["sid"], "check_status") is None
    header = admin_cli(sock, "show stat").splitlines()[0][2:].split(",")
    for l in typed:
        if l:
            pos, name = l.split(":")[0].split(".")[3:5]
            assert header[int(pos)] == name, l

    # json: the same values, typed
    objs = json.loads(admin_cli(sock, "show stat json"))
    byobj = {}
    for o in objs:
        f = {x["field"]["name"]: x for x in o}
        byobj[(f["pxname"]["value"]["value"], f["svname"]["value"]["value"])] = f
    jfe, jbe = byobj[("fe", "FRONTEND")], byobj[("be", "BACKEND")]
    assert jfe["req_tot"]["value"] == {"type": "u64", "value": 6}
    assert jfe["hrsp_2xx"]["value"] == {"type": "u64", "value": 4}
    assert jfe["intercepted"]["value"] == {"type": "u64", "value": 1}
    assert jfe["req_tot"]["tags"] == {"origin": "Metric", "nature": "Counter", "scope": "Process"}
    assert jbe["hrsp_4xx"]["value"] == {"type": "u64", "value": 1}
    assert "intercepted" not in jbe and "req_tot" not in byobj[("tbe", "BACKEND")]
    jinfo = {x["field"]["name"]: x for x in json.loads(admin_cli(sock, "show info json"))}
    assert jinfo["CumReq"]["value"] == {"type": "u32", "value": 6}


def test_check_status_follows_the_http_check(http_backend, backend, tollgate, tmp_path, dead_port):
    status = {"code": 200}
    lock = threading.Lock()

    def handler(req):
        with lock:
            code = status["code"]
        return code, [], b"x"

    web = http_backend("A", handler)
    raw = backend("T")
    dead = dead_port
    port = free_port()
    _, sock = start_proxy(tollgate, tmp_path, """
listen lb
    bind 127.0.0.1:%d
    option httpchk GET /health
    server a 127.0.0.1:%d check inter 50 fall 1 rise 1
listen tcp
    mode tcp
    bind 127.0.0.1:%d
    server t 127.0.0.1:%d check inter 50
    server d 127.0.0.1:%d check inter 50
""" % (port, web.port, free_port(), raw.port, dead))

    def srv(be, name):
        return stat_rows(sock)[(be, name)]

    wait_until(lambda: srv("lb", "a")["check_status"] == "L7OK", 10, "L7OK")
    row = srv("lb", "a")
    assert row["check_code"] == "200" and row["check_desc"] == "Layer7 check passed", row
    assert row["status"] == "UP" and row["check_duration"] == "" and row["last_chk"] == ""
    ss = servers_state(sock, "lb", "a")
    assert (ss["srv_check_status"], ss["srv_check_result"]) == ("15", "3"), ss
    # a plain connect check has no code; a refused one is L4CON
    wait_until(lambda: srv("tcp", "t")["check_status"] == "L4OK", 10, "L4OK")
    assert srv("tcp", "t")["check_code"] == "" and srv("tcp", "t")["check_desc"] == "Layer4 check passed"
    wait_until(lambda: srv("tcp", "d")["check_status"] == "L4CON", 10, "L4CON")
    assert srv("tcp", "d")["check_desc"] == "Layer4 connection problem"
    assert (servers_state(sock, "tcp", "d")["srv_check_status"],
            servers_state(sock, "tcp", "d")["srv_check_result"]) == ("8", "2")

    with lock:
        status["code"] = 500
    wait_until(lambda: srv("lb", "a")["check_status"] == "L7STS", 10, "L7STS")
    row = srv("lb", "a")
    assert row["check_code"] == "500" and row["check_desc"] == "Layer7 wrong status", row
    wait_until(lambda: srv("lb", "a")["status"] == "DOWN", 5, "lb/a DOWN")
    ss = servers_state(sock, "lb", "a")
    assert (ss["srv_check_status"], ss["srv_check_result"]) == ("17", "2"), ss

    # typed and json say the same, as strings and numbers
    typed = [l for l in admin_cli(sock, "show stat typed").splitlines()
             if l.startswith("S.") and ".check_" in l.split(":")[0]]
    iid, sid = row["iid"], row["sid"]
    mine = {l.split(":")[0].split(".")[4]: l.split(":", 3)[1:] for l in typed
            if l.startswith("S.%s.%s." % (iid, sid))}
    assert mine["check_status"] == ["MOPV", "str", "L7STS"], mine
    assert mine["check_code"] == ["MOPV", "u32", "500"], mine
    assert mine["check_desc"] == ["MOPV", "str", "Layer7 wrong status"], mine
    objs = json.loads(admin_cli(sock, "show stat json"))
    a = [{x["field"]["name"]: x for x in o} for o in objs
         if o[0]["objType"] == "Server" and o[0]["proxyId"] == int(iid) and o[0]["id"] == int(sid)][0]
    assert a["check_status"]["value"] == {"type": "str", "value": "L7STS"}
    assert a["check_code"]["value"] == {"type": "u32", "value": 500}

    with lock:
        status["code"] = 200
    wait_until(lambda: srv("lb", "a")["check_status"] == "L7OK", 10, "L7OK again")
    assert srv("lb", "a")["check_code"] == "200"
