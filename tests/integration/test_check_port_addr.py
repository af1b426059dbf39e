"""The server options `port` and `addr`: health checks connect there, not
to the server's traffic address, for plain connect checks, `option
httpchk` and `tcp-check connect` without a port of its own; `set server
check-port` moves them at runtime. Side by side with haproxy 2.6: the same
servers go UP and DOWN, with the same `show servers state` lines."""
import re
import socket

import pytest

from conftest import admin_cli, run_check, start_both, tcp_admin_head, wait_until

# rise 1 fall 1: each check result sets the state. A check gets min(inter,
# timeout connect) to connect and `timeout check` to be answered: with
# `inter 20ms` and no `timeout check`, a check that waited 20 ms for the
# CPU on a loaded machine (the suite runs in parallel) failed and flapped
# its server, and the states never settled together.
CFG = tcp_admin_head("%(sock)s") + """    timeout check 5s
    default-server inter 300ms downinter 300ms rise 1 fall 1
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend tcp
backend tcp
    # traffic port answers, check port closed: DOWN
    server up_traffic 127.0.0.1:%(live)d check port %(dead)d
    # traffic port closed, check port answers: UP
    server up_check 127.0.0.1:%(dead)d check port %(live)d
    # nothing on 127.0.0.2: `addr` sends the checks to 127.0.0.1
    server by_addr 127.0.0.2:%(live)d check addr 127.0.0.1
    # `addr` with a port, overridden by `port`
    server addr_port 127.0.0.1:%(dead)d check addr 127.0.0.1:%(dead)d port %(live)d
    server addr_own_port 127.0.0.1:%(dead)d check addr 127.0.0.1:%(live)d
backend http
    mode http
    option httpchk GET /health
    server h_down 127.0.0.1:%(http)d check port %(dead)d
    server h_up 127.0.0.1:%(dead)d check port %(http)d
backend tcpchk
    option tcp-check
    tcp-check connect
    server t_down 127.0.0.1:%(live)d check port %(dead)d
    server t_up 127.0.0.1:%(dead)d check port %(live)d
backend tcpchk_port
    # the connect rule's own port wins over the server's `port`
    option tcp-check
    tcp-check connect port %(live)d
    server tp_up 127.0.0.1:%(dead)d check port %(dead)d
"""

EXPECTED = {
    "up_traffic": "0", "up_check": "2", "by_addr": "2", "addr_port": "2", "addr_own_port": "2",
    "h_down": "0", "h_up": "2", "t_down": "0", "t_up": "2", "tp_up": "2",
}


@pytest.fixture
def live_port():
    """A listener that never accepts: connect checks pass (the backlog
    is never filled, checks reset)."""
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(64)
    yield l.getsockname()[1]
    l.close()


def state(sock):
    out = {}
    for line in admin_cli(sock, "show servers state").splitlines()[2:]:
        f = line.split()
        if len(f) > 10:
            f[9] = "T"   # srv_time_since_last_change depends on timing
            # while HAProxy's check runs: CHK_ST_INPROGRESS, no result yet
            f[13] = str(int(f[13]) & ~1)
            f[11] = "R"
            out[f[3]] = f
    return out


def stat_status(sock):
    lines = admin_cli(sock, "show stat").splitlines()
    return {l.split(",")[1]: l.split(",")[17] for l in lines[1:] if l and l.split(",")[1] in EXPECTED}


def settled(sock, expected):
    st = state(sock)
    # each server's op state as expected, after a check result (not INI)
    return all(st[n][5] == v and st[n][10] not in ("0", "1") for n, v in expected.items())


def start_settled(tollgate, haproxy, tmp_path, live_port, dead_port, http_backend):
    """Both proxies on CFG, each once every server has its first result."""
    both = start_both(tollgate, haproxy, tmp_path, CFG, live=live_port, dead=dead_port,
                      http=http_backend("H").port)
    for which, (sock, _) in both.items():
        wait_until(lambda: settled(sock, EXPECTED), 10, "%s: check results" % which)
    return both


def test_check_port_and_addr_match_haproxy(tollgate, haproxy, tmp_path, live_port, dead_port, http_backend):
    both = start_settled(tollgate, haproxy, tmp_path, live_port, dead_port, http_backend)
    out = {}
    for which, (sock, _) in both.items():
        out[which] = state(sock)
        st = stat_status(sock)
        assert {n: st[n] for n in EXPECTED} == \
            {n: "UP" if v == "2" else "DOWN" for n, v in EXPECTED.items()}, (which, st)
    for n in EXPECTED:
        assert out["tollgate"][n] == out["haproxy"][n], (n, out["tollgate"][n], out["haproxy"][n])
    # srv_check_port and srv_check_addr
    assert out["tollgate"]["up_check"][21:23] == [str(live_port), "-"]
    assert out["tollgate"]["by_addr"][21:23] == ["0", "127.0.0.1"]


def test_set_server_check_port(tollgate, haproxy, tmp_path, live_port, dead_port, http_backend):
    both = start_settled(tollgate, haproxy, tmp_path, live_port, dead_port, http_backend)
    replies = {}
    for which, (sock, _) in both.items():
        replies[which] = [admin_cli(sock, "set server tcp/up_traffic check-port %d" % live_port),
                   admin_cli(sock, "set server tcp/up_check check-port %d" % dead_port),
                   admin_cli(sock, "set server tcp/up_check check-port nope"),
                   admin_cli(sock, "set server tcp/up_check check-port 70000"),
                   admin_cli(sock, "set server tcp/up_check check-port")]
        flipped = dict(EXPECTED, up_traffic="2", up_check="0")
        wait_until(lambda: settled(sock, flipped), 10, "%s: checks on the new ports" % which)
        assert state(sock)["up_traffic"][21] == str(live_port)
    assert replies["tollgate"] == replies["haproxy"], replies
    assert replies["tollgate"][2:] == ["provided port is not an integer\n", "provided port is invalid\n",
                                       "set server <b>/<s> check-port requires a port.\n\n"]


def test_port_out_of_range_is_refused(tmp_path):
    rc, out, _ = run_check(CFG.replace("check port %(dead)d\n", "check port 70000\n", 1)
                  % dict(sock=tmp_path / "s", port=1, live=2, dead=3, http=4), tmp_path)
    assert rc != 0
    assert re.search(r"t\.cfg:\d+.*'port' expects a port number from 1 to 65535, got '70000'", out), out
