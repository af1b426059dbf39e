"""The admin socket (`stats socket`): HAProxy's CLI commands through a real
unix socket, one-shot and interactive, levels, table edits seen by the
rules, server state changes seen by load balancing, streaming of a large
table to a slow reader while the proxy keeps serving."""
import os
import re
import select
import socket
import threading
import time

from conftest import admin_cli, admin_ready, exchange, free_port, start_both, wait_until


def cli(path, cmd, timeout=10.0):
    return admin_cli(path, cmd, timeout)


socket_ready = admin_ready


def accepted(port):
    try:
        return exchange(port, b"x").startswith(b"A:")
    except OSError:
        return False


def tag_of(port):
    try:
        return exchange(port, b"x")[:2]
    except OSError:
        return b""


def start(tollgate, tmp_path, body, extra_global=""):
    admin = str(tmp_path / "admin.sock")
    user = str(tmp_path / "user.sock")
    cfg = """
global
    nbthread 2
    stats socket %s level admin
    stats socket unix@%s level user
    stats timeout 5s
%s
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
%s
""" % (admin, user, extra_global, body)
    t = tollgate(cfg)
    t.wait_log("started")
    wait_until(lambda: socket_ready(admin), 10, "the admin socket")
    return t, admin, user


def tracked_fe(port, bport, store="conn_cnt,conn_cur,conn_rate(10s),gpc0,gpt(2),gpc_rate(2,5s)"):
    return """
frontend fe
    bind 127.0.0.1:%d
    stick-table type ip size 100k expire 60s store %s
    tcp-request connection track-sc0 src
    tcp-request connection reject if { sc0_get_gpc0 gt 0 }
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, store, bport)


ENTRY = re.compile(r"^0x[0-9a-f]+: key=(\S+) use=(\d+) exp=(\d+) shard=0( \S+=\S+)*$")


def entries(answer):
    return [l for l in answer.splitlines() if l.startswith("0x")]


def test_show_table_list_entries_and_formats(backend, tollgate, tmp_path):
    b = backend("A")
    port = free_port()
    _, admin, _ = start(tollgate, tmp_path, tracked_fe(port, b.port))
    for _ in range(3):
        assert accepted(port)
    out = cli(admin, "show table")
    assert out == "# table: fe, type: ip, size:102400, used:1\n\n"
    out = cli(admin, "show table fe")
    assert out.endswith("\n\n")
    lines = out.splitlines()
    assert lines[0] == "# table: fe, type: ip, size:102400, used:1"
    ent = entries(out)
    assert len(ent) == 1 and ENTRY.match(ent[0]), ent
    # HAProxy's data-type order, rates with their period, arrays expanded
    fields = ent[0].split()[5:]
    names = [f.split("=")[0] for f in fields]
    assert names == ["gpc0", "conn_cnt", "conn_rate(10000)", "conn_cur", "gpt0", "gpt1",
                     "gpc0_rate(5000)", "gpc1_rate(5000)"], names
    assert "key=127.0.0.1" in ent[0] and " conn_cnt=3 " in ent[0]
    # key lookup and data filters
    assert len(entries(cli(admin, "show table fe key 127.0.0.1"))) == 1
    assert cli(admin, "show table fe key 10.9.9.9") == "\n"
    assert len(entries(cli(admin, "show table fe data.conn_cnt ge 3"))) == 1
    assert len(entries(cli(admin, "show table fe data.conn_cnt gt 3"))) == 0
    assert len(entries(cli(admin, "show table fe data.conn_cnt eq 3 data.gpc0 eq 0"))) == 1
    # errors, as HAProxy words them
    assert cli(admin, "show table nope") == "No such table\n\n"
    assert cli(admin, "show table fe data.nope eq 1") == "Filter entry #1: Unknown data type\n\n"
    assert cli(admin, "show table fe data.http_req_cnt eq 1") == \
        "Filter entry #1: Data type not stored in this table\n\n"
    assert cli(admin, "show table fe data.conn_cnt xx 1").startswith("Filter entry #1: Require and operator")
    assert cli(admin, "show table fe key not-an-ip") == "Invalid key\n\n"


def test_set_and_clear_table_seen_by_rules(backend, tollgate, tmp_path):
    b = backend("A")
    port = free_port()
    _, admin, user = start(tollgate, tmp_path, tracked_fe(port, b.port))
    assert accepted(port)
    # ban ourselves: the rule rejects on gpc0 > 0
    assert cli(admin, "set table fe key 127.0.0.1 data.gpc0 5") == "\n"
    out = cli(admin, "show table fe key 127.0.0.1")
    assert " gpc0=5 " in out
    assert not accepted(port)
    # a rate set to N reads N for a period; array elements by index
    assert cli(admin, "set table fe key 10.0.0.1 data.conn_rate 42 data.gpt[1] 7") == "\n"
    out = cli(admin, "show table fe key 10.0.0.1")
    assert " conn_rate(10000)=42 " in out and " gpt1=7 " in out
    assert cli(admin, "set table fe key 10.0.0.1 data.nope 1") == "Unknown data type\n\n"
    assert cli(admin, "set table fe key 10.0.0.1 data.http_req_cnt 1") == \
        "Data type not stored in this table\n\n"
    assert cli(admin, "set table fe key 10.0.0.1 data.gpc0 x") == \
        "Require a valid integer value to store\n\n"
    # user level may look but not touch
    assert cli(user, "clear table fe key 127.0.0.1") == "Permission denied\n\n"
    assert cli(user, "set table fe key 127.0.0.1 data.gpc0 0") == "Permission denied\n\n"
    assert cli(user, "show table fe") == \
        "# table: fe, type: ip, size:102400, used:2\n# contents not dumped due to insufficient privileges\n\n"
    # unban: clearing the entry lets the next connection through at once
    assert cli(admin, "clear table fe key 127.0.0.1") == "\n"
    assert "key=127.0.0.1" not in cli(admin, "show table fe")
    assert accepted(port)
    # clear with a filter removes only what matches
    cli(admin, "set table fe key 10.0.0.2 data.gpc0 9")
    assert cli(admin, "clear table fe data.gpc0 ge 9") == "\n"
    out = cli(admin, "show table fe")
    assert "key=10.0.0.2" not in out and "key=10.0.0.1" in out


def test_clear_refuses_entry_in_use(backend, tollgate, tmp_path):
    b = backend("A")
    port = free_port()
    _, admin, _ = start(tollgate, tmp_path, tracked_fe(port, b.port))
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        assert s.recv(2) == b"A:"
        assert cli(admin, "clear table fe key 127.0.0.1") == "Entry currently in use, cannot remove\n\n"
        assert re.search(r"use=1 ", cli(admin, "show table fe"))
    finally:
        s.close()


def test_interactive_oneshot_help_and_bad_input(backend, tollgate, tmp_path):
    b = backend("A")
    port = free_port()
    _, admin, user = start(tollgate, tmp_path, tracked_fe(port, b.port))
    # several commands on one line
    out = cli(admin, "show version; show backend")
    assert out.endswith("\n\n# name\nbe\n\n")
    # unknown command: HAProxy's help text
    out = cli(admin, "frobnicate")
    assert out.startswith("Unknown command: 'frobnicate'. Please enter one of the following commands only:\n")
    assert "  show table " in out and "  quit " in out and out.endswith("\n\n")
    # help lists the commands of every level, as HAProxy (those above the
    # session's level are answered "Permission denied")
    out = cli(user, "help")
    assert out.startswith("The following commands are valid at this level:\n")
    assert "show table" in out and "clear table" in out and "set server" in out
    assert out == cli(admin, "help")
    # interactive mode: prompt, several lines, quit
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(admin)
        buf = b""

        def until(suffix):
            nonlocal buf
            while not buf.endswith(suffix):
                d = s.recv(65536)
                assert d, buf
                buf += d
            got, buf = buf, b""
            return got

        s.sendall(b"prompt\n")
        assert until(b"> ") == b"\n> "
        s.sendall(b"show backend\n")
        assert until(b"> ") == b"# name\nbe\n\n> "
        s.sendall(b"show version\nshow backend\n")
        assert until(b"be\n\n> ").count(b"> ") == 2
        s.sendall(b"quit\n")
        assert s.recv(100) == b""
    # an overlong line and binary garbage: an error, then the socket lives on
    out = cli(admin, "x" * 20000)
    assert out.startswith("Command line too long")
    out = cli(admin, os.urandom(200).replace(b"\n", b" ").decode("latin-1"))
    assert out.endswith("\n\n")
    assert "Name: Tollgate" in cli(admin, "show info")


def test_show_info_stat_and_runtime(backend, tollgate, tmp_path):
    b = backend("A")
    port = free_port()
    _, admin, _ = start(tollgate, tmp_path, tracked_fe(port, b.port))

    def info():
        d = {}
        for l in cli(admin, "show info").splitlines():
            if ": " in l:
                k, v = l.split(": ", 1)
                d[k] = v
        return d

    i = info()
    assert i["Name"] == "Tollgate" and i["Nbthread"] == "2" and int(i["Pid"]) > 0
    keys = list(i)
    assert keys.index("Version") < keys.index("Uptime_sec") < keys.index("CurrConns") < keys.index("Idle_pct")
    cum0 = int(i["CumConns"])
    for _ in range(3):
        assert accepted(port)
    i = info()
    assert int(i["CumConns"]) >= cum0 + 3
    # rates over the last second: these connections count (HAProxy's keys)
    assert int(i["ConnRate"]) >= 3 and int(i["SessRate"]) >= 3, i
    assert keys.index("CumConns") < list(i).index("ConnRate") < list(i).index("SessRate") < keys.index("Tasks")

    out = cli(admin, "show stat")
    lines = out.splitlines()
    assert lines[0].startswith("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,"
                               "ereq,econ,eresp,wretr,wredis,status,weight,act,bck,")
    cols = lines[0][2:].split(",")
    rows = {}
    for l in lines[1:]:
        if l:
            f = l.split(",")
            assert len(f) == len(cols), l
            rows[(f[0], f[1])] = dict(zip(cols, f))
    assert rows[("fe", "FRONTEND")]["status"] == "OPEN"
    assert int(rows[("fe", "FRONTEND")]["conn_tot"]) >= 3
    assert int(rows[("be", "a")]["stot"]) >= 3
    assert rows[("be", "BACKEND")]["status"] == "UP"
    assert rows[("be", "a")]["qmax"] == "0"     # as HAProxy (reg-test agent-check)
    assert int(rows[("be", "a")]["smax"]) >= 1
    assert rows[("be", "a")]["slim"] == ""      # no maxconn: empty field

    out = cli(admin, "show pools")
    assert out.startswith("Dumping pools usage.") and "  - Pool " in out and "\nTotal: " in out
    assert "thr" in cli(admin, "show tasks")
    assert "Thread 1" in cli(admin, "show threads")
    assert cli(admin, "show activity").startswith("thread_id: ")
    assert cli(admin, "show servers state").startswith("1\n# be_id be_name srv_id srv_name srv_addr")


def test_server_state_changes(backend, tollgate, tmp_path):
    a = backend("A")
    bb = backend("B")
    port = free_port()
    _, admin, user = start(tollgate, tmp_path, """
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    balance roundrobin
    server a 127.0.0.1:%d
    server b 127.0.0.1:%d
""" % (port, a.port, bb.port))
    assert {tag_of(port) for _ in range(6)} == {b"A:", b"B:"}
    assert cli(user, "disable server be/a") == "Permission denied\n\n"
    assert cli(admin, "disable server be/a") == "\n"
    assert {tag_of(port) for _ in range(6)} == {b"B:"}
    assert ",MAINT," in [l for l in cli(admin, "show stat").splitlines() if l.startswith("be,a,")][0]
    assert cli(admin, "enable server be/a") == "\n"
    assert {tag_of(port) for _ in range(6)} == {b"A:", b"B:"}
    assert cli(admin, "set server be/b state maint") == "\n"
    assert {tag_of(port) for _ in range(4)} == {b"A:"}
    assert cli(admin, "set server be/b state ready") == "\n"
    # weights: 0 takes a server out of rotation
    assert cli(admin, "set server be/a weight 0") == "\n"
    assert {tag_of(port) for _ in range(6)} == {b"B:"}
    assert cli(admin, "set server be/a weight 1") == "\n"
    assert {tag_of(port) for _ in range(6)} == {b"A:", b"B:"}
    assert cli(admin, "set maxconn server be/a 10") == "\n"
    assert cli(admin, "disable server be/zz") == "No such server.\n\n"
    assert cli(admin, "disable server nope/a") == "No such backend.\n\n"


def test_slow_reader_dumps_big_table_while_serving(backend, tollgate, tmp_path):
    b = backend("A")
    port = free_port()
    n = 20000
    _, admin, _ = start(tollgate, tmp_path, tracked_fe(port, b.port, store="conn_cnt,gpc0") + """
backend big
    stick-table type integer size 64k store gpc0,conn_rate(10s)
""")
    # fill the table through the socket, 250 commands per line, interactive
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(20)
        s.connect(admin)
        s.sendall(b"prompt\n")
        got = [0]

        def drain():
            while got[0] < n + 1:
                d = s.recv(65536)
                if not d:
                    return
                got[0] += d.count(b">")

        th = threading.Thread(target=drain)
        th.start()
        for base in range(0, n, 250):
            s.sendall(("; ".join("set table big key %d data.gpc0 %d" % (k, k % 7)
                                 for k in range(base, base + 250)) + "\n").encode())
        th.join(30)
        assert got[0] >= n + 1
    assert "used:%d" % n in cli(admin, "show table")

    # a slow reader: small reads with pauses, while traffic flows
    with socket.socket(socket.AF_UNIX) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(20)
        s.connect(admin)
        s.sendall(b"show table big\n")
        data = b""
        served = 0
        t0 = time.monotonic()
        while True:
            d = s.recv(1024)   # small reads: the reader is slow by itself
            if not d:
                break
            data += d
            if len(data) // 200000 > served:
                # the proxy and the admin socket stay responsive mid-dump
                assert accepted(port)
                assert "Name: Tollgate" in cli(admin, "show info")
                served += 1
        assert served >= 3, (served, time.monotonic() - t0)
    text = data.decode()
    assert text.endswith("\n\n")
    ent = entries(text)
    keys = [int(l.split()[1][4:]) for l in ent]
    assert len(keys) == n and len(set(keys)) == n
    for l in ent[:100]:
        k = int(l.split()[1][4:])
        assert " gpc0=%d " % (k % 7) in l
    # filtered dump and filtered clear over the whole table
    assert len(entries(cli(admin, "show table big data.gpc0 eq 3"))) == len([k for k in range(n) if k % 7 == 3])
    assert cli(admin, "clear table big data.gpc0 lt 3") == "\n"
    left = entries(cli(admin, "show table big"))
    assert len(left) == len([k for k in range(n) if k % 7 >= 3])


def test_inet_socket_and_concurrent_clients_under_load(backend, tollgate, tmp_path):
    b = backend("A")
    port = free_port()
    cport = free_port()
    _, admin, _ = start(tollgate, tmp_path, tracked_fe(port, b.port),
                        extra_global="    stats socket ipv4@127.0.0.1:%d level operator" % cport)

    def tcp_cli(cmd):
        with socket.create_connection(("127.0.0.1", cport), timeout=10) as s:
            s.sendall(cmd.encode() + b"\n")
            out = b""
            while True:
                d = s.recv(65536)
                if not d:
                    return out.decode()
                out += d

    assert "Name: Tollgate" in tcp_cli("show info")
    # operator level: tables yes, servers no
    assert tcp_cli("set table fe key 10.1.1.1 data.gpc0 0") == "\n"
    assert tcp_cli("disable server be/a") == "Permission denied\n\n"

    stop = threading.Event()
    errors = []

    def traffic():
        while not stop.is_set():
            try:
                exchange(port, b"x")
            except OSError:
                pass

    def client(i):
        try:
            for j in range(20):
                out = cli(admin, "set table fe key 10.2.%d.%d data.gpc0 0; show table fe key 10.2.%d.%d" % (i, j, i, j))
                if "key=10.2.%d.%d " % (i, j) not in out or not out.endswith("\n\n"):
                    errors.append(out)
                if "# pxname," not in cli(admin, "show stat"):
                    errors.append("stat")
        except OSError as e:
            errors.append(repr(e))

    load = [threading.Thread(target=traffic) for _ in range(2)]
    clients = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    for th in load + clients:
        th.start()
    for th in clients:
        th.join(60)
    stop.set()
    for th in load:
        th.join(10)
    assert not errors, errors[:3]
    # 400 keys set by the clients, 10.1.1.1 and the tracked 127.0.0.1
    assert "used:402" in cli(admin, "show table")


def test_show_info_and_stat_typed_and_json(backend, tollgate, tmp_path):
    import json
    b = backend("A")
    port = free_port()
    _, admin, user = start(tollgate, tmp_path, tracked_fe(port, b.port))
    assert accepted(port)
    # show info typed: <pos>.<name>.<proc>:<tags>:<type>:<value>, HAProxy's positions
    out = cli(user, "show info typed")
    assert out.endswith("\n\n")
    lines = out.splitlines()[:-1]
    typed = re.compile(r"^\d+\.[A-Za-z_ -]+\.1:[A-Z][A-Za-z][A-Za-z][VP]:(u32|u64|s32|s64|str):.*$")
    assert all(typed.match(l) for l in lines), lines
    assert "0.Name.1:POSV:str:Tollgate" in lines
    assert "3.Nbthread.1:CGSV:u32:2" in lines
    assert any(l.startswith("8.Uptime_sec.1:MDPV:u32:") for l in lines)
    assert "6.Pid.1:SGPV:u32:%d" % int(re.search(r"Pid: (\d+)", cli(user, "show info")).group(1)) in lines
    # show info json: a list of fields
    info = json.loads(cli(user, "show info json"))
    byname = {f["field"]["name"]: f for f in info}
    assert byname["Name"]["value"] == {"type": "str", "value": "Tollgate"}
    assert byname["Name"]["tags"] == {"origin": "Product", "nature": "Output", "scope": "Service"}
    assert byname["Nbthread"]["field"]["pos"] == 3 and byname["Nbthread"]["value"]["value"] == 2
    assert byname["CumConns"]["value"]["type"] == "u32" and byname["CumConns"]["value"]["value"] >= 1
    assert all(f["processNum"] == 1 for f in info)
    # show stat typed: <obj>.<iid>.<sid>.<pos>.<name>.<proc>:<tags>:<type>:<value>
    out = cli(user, "show stat typed")
    lines = out.splitlines()[:-1]
    st = re.compile(r"^[FBSL]\.\d+\.\d+\.\d+\.[a-z_0-9]+\.1:[A-Z][A-Za-z][A-Za-z][VP]:(u32|u64|str):.*$")
    assert lines and all(st.match(l) for l in lines), [l for l in lines if not st.match(l)]
    assert any(re.match(r"^F\.\d+\.0\.0\.pxname\.1:KNSV:str:fe$", l) for l in lines), lines
    assert any(re.match(r"^F\.\d+\.0\.1\.svname\.1:KNSV:str:FRONTEND$", l) for l in lines)
    assert any(re.match(r"^S\.\d+\.\d+\.1\.svname\.1:KNSV:str:a$", l) for l in lines)
    assert any(re.match(r"^B\.\d+\.0\.17\.status\.1:SGPV:str:UP$", l) for l in lines)
    stot = [l for l in lines if re.match(r"^F\.\d+\.0\.7\.stot\.1:MCPP:u64:", l)]
    assert stot and int(stot[0].rsplit(":", 1)[1]) >= 1
    # positions match the CSV columns
    header = cli(user, "show stat").splitlines()[0][2:].split(",")
    for l in lines:
        pos, name = l.split(":")[0].split(".")[3:5]
        assert header[int(pos)] == name
    # show stat json: one array of fields per object
    objs = json.loads(cli(user, "show stat json"))
    kinds = [o[0]["objType"] for o in objs]
    assert kinds == ["Frontend", "Server", "Backend"], kinds
    fe = {f["field"]["name"]: f for f in objs[0]}
    assert fe["pxname"]["value"] == {"type": "str", "value": "fe"}
    assert fe["svname"]["tags"] == {"origin": "Key", "nature": "Name", "scope": "Service"}
    assert fe["stot"]["value"]["type"] == "u64" and fe["stot"]["value"]["value"] >= 1
    assert objs[1][0]["id"] >= 1 and objs[0][0]["id"] == 0


def test_show_sess_shutdown_session_and_show_errors(backend, tollgate, tmp_path):
    b = backend("A")
    port = free_port()
    _, admin, user = start(tollgate, tmp_path, tracked_fe(port, b.port))
    conns = []
    for _ in range(3):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(b"ping")
        got = b""
        while len(got) < 6:
            d = c.recv(16)
            assert d
            got += d
        assert got == b"A:ping"
        conns.append(c)
    line = re.compile(r"^(0x[0-9a-f]+): proto=tcpv4 src=127\.0\.0\.1:(\d+) fe=fe be=be srv=a "
                      r"ts=00 age=\d+[smhd]\S* calls=\d+ tid=[01]$")
    out = cli(admin, "show sess")
    assert out.endswith("\n\n")
    sess = [l for l in out.splitlines() if l and " fe=GLOBAL " not in l]
    # and the admin socket's own connection, as HAProxy
    assert len([l for l in out.splitlines() if " fe=GLOBAL " in l]) == 1, out
    assert len(sess) == 3 and all(line.match(l) for l in sess), sess
    ports = {int(line.match(l).group(2)): line.match(l).group(1) for l in sess}
    assert set(ports) == {c.getsockname()[1] for c in conns}
    # levels: show sess needs operator, shutdown session admin
    assert cli(user, "show sess") == "Permission denied\n\n"
    assert cli(user, "shutdown session %s" % sess[0].split(":")[0]) == "Permission denied\n\n"
    # errors
    assert cli(admin, "shutdown session") == "Session pointer expected (use 'show sess').\n\n"
    assert cli(admin, "shutdown session zz") == "Session pointer expected (use 'show sess').\n\n"
    assert cli(admin, "shutdown session 0x1234") == "No such session (use 'show sess').\n\n"
    # kill the stream of the first connection: closed by its own thread
    victim = conns[0]
    assert cli(admin, "shutdown session %s" % ports[victim.getsockname()[1]]) == "\n"
    victim.settimeout(5)
    try:
        assert victim.recv(16) == b""
    except ConnectionResetError:
        pass
    wait_until(lambda: len([l for l in cli(admin, "show sess").splitlines() if " fe=fe " in l]) == 2, 5,
               "the killed stream to go")
    # the others still work
    conns[1].sendall(b"x")
    assert conns[1].recv(16) == b"x"
    for c in conns:
        c.close()
    wait_until(lambda: " fe=fe " not in cli(admin, "show sess"), 5, "streams to end")
    # show errors: HAProxy's header, nothing captured (TCP only)
    out = cli(admin, "show errors")
    assert re.match(r"^Total events captured on \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] : 0\n\n$", out), out
    assert cli(user, "show errors") == "Permission denied\n\n"


def test_server_bytes_and_weight_percentages(backend, tollgate, tmp_path):
    """Server rows of show stat count bytes; 'weight N%' is a percentage of
    the configured weight (more than 100% allowed, capped at 256), as
    HAProxy."""
    a = backend("A")
    port = free_port()
    _, admin, _ = start(tollgate, tmp_path, """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d weight 10
""" % (port, a.port))
    assert exchange(port, b"12345") == b"A:12345"
    lines = cli(admin, "show stat").splitlines()
    hdr = lines[0].lstrip("# ").split(",")
    wait_until(lambda: int(dict(zip(hdr, [l for l in cli(admin, "show stat").splitlines()
                                          if l.startswith("lb,a,")][0].split(",")))["bout"]) >= 7,
               5, "server bout")
    row = dict(zip(hdr, [l for l in cli(admin, "show stat").splitlines() if l.startswith("lb,a,")][0].split(",")))
    assert int(row["bin"]) >= 5 and int(row["bout"]) >= 7, row
    assert cli(admin, "set server lb/a weight 50%") == "\n"
    state = [l for l in cli(admin, "show servers state").splitlines() if " lb " in l and " a " in l][0].split()
    assert state[7:9] == ["5", "10"], state           # srv_uweight, srv_iweight
    assert cli(admin, "set server lb/a weight 300%") == "\n"
    state = [l for l in cli(admin, "show servers state").splitlines() if " lb " in l and " a " in l][0].split()
    assert state[7] == "30", state
    assert cli(admin, "set server lb/a weight 5000%") == "\n"
    state = [l for l in cli(admin, "show servers state").splitlines() if " lb " in l and " a " in l][0].split()
    assert state[7] == "256", state


# `stats timeout` on a session writing a long dump: the kernel wakes a
# blocked writer only once most of a unix socket's queue (~200-300 KB) is
# read, which a slow but steady reader can take longer than the timeout to
# do. The dump must go on while the reader reads, and a reader that stops
# reading must still be cut after the timeout.
TIMEOUT_CFG = """
global
    stats socket %(sock)s level admin
    stats timeout 2s
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend big
backend big
    stick-table type integer size 64k store gpc0
"""


def fill_big(path, n):
    """Stores keys 0..n-1 in table big through an interactive session."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(20)
        s.connect(path)
        s.sendall(b"prompt\n")

        def drain():
            while s.recv(65536):
                pass

        th = threading.Thread(target=drain)
        th.start()
        for base in range(0, n, 250):
            s.sendall(("; ".join("set table big key %d data.gpc0 1" % k
                                 for k in range(base, base + 250)) + "\n").encode())
        s.sendall(b"quit\n")
        th.join(30)
    assert "used:%d" % n in cli(path, "show table")


def paced_dump(path, rate):
    """Reads `show table big` at <rate> bytes/s at most, in small reads.
    Returns (bytes, whether the dump was complete)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(20)
        s.connect(path)
        s.sendall(b"show table big\n")
        got, tail, t0 = 0, b"", time.monotonic()
        while True:
            ahead = got - rate * (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead / rate)   # the reader's pace, not a wait for the proxy
            try:
                d = s.recv(4096)
            except ConnectionResetError:
                break
            if not d:
                break
            got += len(d)
            tail = (tail + d)[-2:]
        return got, tail == b"\n\n"


def stopped_reader_cut_after(path):
    """Asks for the dump and never reads: seconds until the peer closed."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        s.sendall(b"show table big\n")
        t0 = time.monotonic()
        p = select.poll()
        p.register(s, select.POLLHUP)
        assert p.poll(15000), "never disconnected"
        return time.monotonic() - t0


def test_stats_timeout_lets_slow_reader_finish_and_cuts_stopped_one_like_haproxy(tollgate, haproxy, tmp_path):
    both = start_both(tollgate, haproxy, tmp_path, TIMEOUT_CFG)
    for name, (sock, _) in both.items():
        fill_big(sock, 8000)
        got, complete = paced_dump(sock, 300000)
        assert complete and got > 300000, (name, got)
        took = stopped_reader_cut_after(sock)
        assert 1.5 < took < 4, (name, took)


def test_stats_timeout_follows_reader_slower_than_kernel_wakeups(tollgate, tmp_path):
    # 60 KB/s: ~4 s between two wakeups, the reader consumes a socket
    # buffer's worth of data every ~0.6 s. HAProxy 2.6 counts its timeout
    # from the last send and cuts this reader at the first long gap.
    sock = str(tmp_path / "admin.sock")
    port = free_port()
    tollgate(TIMEOUT_CFG % dict(sock=sock, port=port), port=port)
    wait_until(lambda: socket_ready(sock), 10, "the admin socket")
    fill_big(sock, 8000)
    got, complete = paced_dump(sock, 60000)
    assert complete and got > 300000, got
    took = stopped_reader_cut_after(sock)
    assert 1.5 < took < 4, took
