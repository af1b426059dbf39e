"""Agent checks (`agent-check`, `agent-addr`, `agent-port`, `agent-send`,
`agent-inter`): the agent's reply line sets the server's weight, maxconn,
administrative and operational state, as in haproxy 2.6, compared through
`show servers state` and `show stat`."""
import pytest

from conftest import tcp_admin_head, HAPROXY, admin_cli, admin_ready, free_port, run_check, wait_until
from tcpserver import TcpServer


class Agent:
    """Answers each agent connection with the current <reply>, after reading
    <expect> bytes if any; keeps what it read."""

    def __init__(self, reply, expect=b""):
        self.reply = reply
        self.expect = expect
        self.got = []
        self.srv = TcpServer(self._handle)
        self.port = self.srv.port

    def _handle(self, c):
        data = b""
        while len(data) < len(self.expect):
            d = c.recv(100)
            if not d:
                break
            data += d
        self.got.append(data)
        c.sendall(self.reply)


@pytest.fixture
def agent():
    started = []

    def start(reply, expect=b""):
        a = Agent(reply, expect)
        started.append(a)
        return a

    yield start
    for a in started:
        a.srv.stop()


def cfg(sock, port, options):
    return tcp_admin_head(sock) + """
frontend fe
    bind 127.0.0.1:%d
    default_backend be1
backend be1
    server srv 127.0.0.1:1 weight 100 %s
""" % (port, options)


def state(sock):
    line = [l for l in admin_cli(sock, "show servers state").splitlines() if " srv " in l][0].split()
    # op_state, admin_state, uweight, iweight, agent_state, agent_addr, agent_port
    return line[5:9] + [line[14]] + line[23:25]


def slim(sock):
    out = admin_cli(sock, "show stat").splitlines()
    hdr = out[0].lstrip("# ").split(",")
    row = dict(zip(hdr, [l for l in out if l.startswith("be1,srv,")][0].split(",")))
    return row["slim"], row["status"]


def run_both(tollgate, haproxy, tmp_path, options, until):
    """Starts each binary on the configuration, waits until state() passes
    <until>, returns {which: (state, slim)}."""
    seen = {}
    for which in ("haproxy", "tollgate"):
        sock = str(tmp_path / ("%s.sock" % which))
        port = free_port()
        (tollgate if which == "tollgate" else haproxy)(cfg(sock, port, options), port=port)
        wait_until(lambda: admin_ready(sock), 10, "admin socket")
        wait_until(lambda: until(state(sock)), 10, "%s: agent applied, got %s" % (which, state(sock)))
        seen[which] = (state(sock), slim(sock))
    return seen


def test_reply_sets_weight_maxconn_maint_down(tollgate, haproxy, tmp_path, agent):
    a = agent(b"75%,maxconn:30,maint,down\n", b"pouet")
    seen = run_both(tollgate, haproxy, tmp_path,
                    "agent-check agent-addr 127.0.0.1 agent-port %d agent-send pouet agent-inter 100ms" % a.port,
                    lambda s: s[2] == "75" and s[1] == "1")
    assert seen["tollgate"] == seen["haproxy"], seen
    assert seen["tollgate"][0] == ["0", "1", "75", "100", "22", "127.0.0.1", str(a.port)], seen
    assert seen["tollgate"][1][0] == "30", seen
    assert set(a.got) == {b"pouet"}


def test_drain_and_relative_weight(tollgate, haproxy, tmp_path, agent):
    a = agent(b"drain 12%\r\n")
    seen = run_both(tollgate, haproxy, tmp_path, "agent-check agent-port %d agent-inter 100ms" % a.port,
                    lambda s: s[2] == "12")
    assert seen["tollgate"] == seen["haproxy"], seen
    assert seen["tollgate"][0][:3] == ["2", "8", "12"], seen     # running, drain, weight 12


def test_absolute_weight(tollgate, tmp_path, agent):
    """`weight:N` is HAProxy 3.x's (2.6 ignores it): no comparison."""
    a = agent(b"weight:12 maxconn:7\n")
    sock = str(tmp_path / "t.sock")
    port = free_port()
    tollgate(cfg(sock, port, "agent-check agent-port %d agent-inter 100ms" % a.port), port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    wait_until(lambda: state(sock)[2] == "12" and slim(sock)[0] == "7", 10, "agent applied")


def test_down_then_up(tollgate, haproxy, tmp_path, agent):
    a = agent(b"stopped # going away\n")
    for which in ("haproxy", "tollgate"):
        a.reply = b"stopped # going away\n"
        sock = str(tmp_path / ("%s.sock" % which))
        port = free_port()
        (tollgate if which == "tollgate" else haproxy)(
            cfg(sock, port, "agent-check agent-port %d agent-inter 100ms" % a.port), port=port)
        wait_until(lambda: admin_ready(sock), 10, "admin socket")
        wait_until(lambda: state(sock)[0] == "0", 10, "%s: DOWN by the agent" % which)
        assert slim(sock)[1] == "DOWN (agent)", which
        a.reply = b"up 50%\n"
        wait_until(lambda: state(sock)[:3] == ["2", "0", "50"], 10, "%s: UP again" % which)


def test_unreachable_agent_changes_nothing(tollgate, haproxy, tmp_path, dead_port):
    dead = dead_port
    for which in ("haproxy", "tollgate"):
        sock = str(tmp_path / ("%s.sock" % which))
        port = free_port()
        (tollgate if which == "tollgate" else haproxy)(
            cfg(sock, port, "agent-check agent-port %d agent-inter 20ms" % dead), port=port)
        wait_until(lambda: admin_ready(sock), 10, "admin socket")
        # the agent's status turns to a connection failure...
        wait_until(lambda: "L4CON" in admin_cli(sock, "show stat"), 10, "%s: agent failed" % which)
        # ...and the server is still up at its weight
        assert state(sock)[:3] == ["2", "0", "100"], which


@pytest.mark.parametrize("options,needle", [
    ("agent-check", "does not have agent port"),
    ("agent-check agent-port 0", "agent-port"),
    ("agent-check agent-port x", "agent-port"),
    ("agent-check agent-port 1 agent-addr", "agent-addr"),
])
def test_config_errors_like_haproxy(tmp_path, options, needle):
    text = cfg(str(tmp_path / "s.sock"), free_port(), options)
    rc_h, out_h, _ = run_check(text, tmp_path, name="h.cfg", binary=HAPROXY)
    rc_t, out_t, _ = run_check(text, tmp_path)
    assert rc_h != 0, out_h
    assert rc_t != 0 and needle in out_t and "t.cfg:15" in out_t, out_t
