"""show fd and show activity through the admin socket, side by side with
Debian's HAProxy 2.6: the same line layout and names where Tollgate has the
data."""
import re
import socket

from conftest import admin_cli, start_both, wait_until

CFG = """
global
    nbthread 2
    stats socket %(sock)s level admin
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    http-request return status 200
"""

FD_LINE = re.compile(r"^ {0,6}\d+ : .*tmask=0x[0-9a-f]+ umask=0x[0-9a-f]+ prmsk=0x[0-9a-f]+ "
                     r"pwmsk=0x[0-9a-f]+ owner=0x[0-9a-f]+ iocb=0x[0-9a-f]+\((\w+)\)")


def fd_lines(sock):
    out = admin_cli(sock, "show fd")
    assert out.endswith("\n\n")
    lines = out[:-1].splitlines()
    for l in lines:
        assert FD_LINE.match(l), l
    return lines


def test_show_fd_as_haproxy(tollgate, haproxy, tmp_path):
    procs = start_both(tollgate, haproxy, tmp_path, CFG)
    clients = []
    for name, (sock, port) in procs.items():
        before = fd_lines(sock)
        # the listener, polled for reading on each thread that accepts
        acc = [l for l in before if "(sock_accept_iocb)" in l]
        assert acc, (name, before)
        assert all(re.search(r"prmsk=0x[1-9a-f]", l) for l in acc), name
        # an open client connection appears as a connection
        c = socket.create_connection(("127.0.0.1", port))
        clients.append(c)
        wait_until(lambda: sum("(sock_conn_iocb)" in l for l in fd_lines(sock)) >
                   sum("(sock_conn_iocb)" in l for l in before), 5, name + " client fd")
        fd = int(fd_lines(sock)[0].split(":")[0])
        assert [int(l.split(":")[0]) for l in admin_cli(sock, "show fd %d" % fd)[:-1].splitlines()] == [fd]
    tg = fd_lines(procs["tollgate"][0])
    assert any("(sock_conn_iocb) kind=client" in l for l in tg), tg
    assert any("(sock_accept_iocb) kind=listener" in l for l in tg), tg
    for c in clients:
        c.close()


ACT_LINE = re.compile(r"^(\w+): (\d+) \[ ((?:\d+ )+)\]$")


def activity(sock):
    out = {}
    for l in admin_cli(sock, "show activity").splitlines():
        m = ACT_LINE.match(l)
        if m:
            vals = [int(v) for v in m.group(3).split()]
            assert len(vals) == 2, l
            if not m.group(1).startswith("avg_"):   # an average, not a sum
                assert sum(vals) == int(m.group(2)), l
            out[m.group(1)] = vals
    return out


def test_show_activity_as_haproxy(tollgate, haproxy, tmp_path):
    procs = start_both(tollgate, haproxy, tmp_path, CFG)
    names = {}
    for name, (sock, _) in procs.items():
        out = admin_cli(sock, "show activity")
        assert out.startswith("thread_id: "), name
        assert re.search(r"^thread_id: [12] \(1\.\.2\)\ndate_now: \d+\.\d{6}\n", out), (name, out)
        names[name] = list(activity(sock))
    # every counter HAProxy prints, in its order, then Tollgate's own
    assert names["tollgate"][:len(names["haproxy"])] == names["haproxy"]
    sock = procs["tollgate"][0]
    loops = sum(activity(sock)["loops"])
    wait_until(lambda: sum(activity(sock)["loops"]) > loops, 5, "loops counting")


# the counters both programs keep, that traffic moves
MOVING = ["ctxsw", "tasksw", "loops", "poll_io", "stream_calls", "accepted"]


def test_show_activity_counts_as_haproxy(tollgate, haproxy, tmp_path):
    """Ten HTTP requests, each on its own connection: the counters both
    keep move the same way in both (accepted by exactly ten, the others
    at least by the work), and their invariants hold."""
    procs = start_both(tollgate, haproxy, tmp_path, CFG)
    for name, (sock, port) in procs.items():
        before = activity(sock)
        for _ in range(10):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert c.recv(4096).startswith(b"HTTP/1.1 200"), name
                while c.recv(4096):
                    pass
        after = activity(sock)
        # the ten, and the admin socket connection that asks (HAProxy
        # counts its CLI's accepts too)
        assert sum(after["accepted"]) - sum(before["accepted"]) == 11, (name, before, after)
        for k in MOVING:
            assert sum(after[k]) > sum(before[k]), (name, k, before[k], after[k])
        # a stream runs at least once per connection
        assert sum(after["stream_calls"]) - sum(before["stream_calls"]) >= 10, name
        for t in range(2):
            assert after["ctxsw"][t] >= after["tasksw"][t], (name, after)
            assert after["loops"][t] >= after["empty_rq"][t] + after["long_rq"][t], (name, after)
            assert after["loops"][t] >= after["poll_io"][t], (name, after)
            assert 0 <= after["avg_loop_us"][t] < 1000000, (name, after)
