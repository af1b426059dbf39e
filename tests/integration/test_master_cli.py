"""The master CLI (-W -S) in interactive mode, side by side with HAProxy
2.6 on one configuration: `prompt` and the "master> " / "<pid>> " prompts,
`@<n>` alone changing the default target and `@` coming back to the
master, the session's level (`operator`, `user`, `show cli level`) and
modes (`expert-mode`, `experimental-mode`: "master(x)> ") carried to the
workers' commands, HAProxy's "Permission denied!" closing the session, and
one-shot use (socat: the answers, then the close once the client closed
its side)."""
import re
import socket

from conftest import admin_cli, free_port, wait_until
from test_master_worker import CFG, master_ready


class Session:
    """An interactive master CLI session: send a line, read up to the
    prompt (any "...> " at the end of what arrived)."""
    PROMPT = re.compile(rb"(master|\d+)(\[ReloadFailed\])?(\([xed]+\))?> $")

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(path)
        self.buf = b""

    def ask(self, line):
        self.s.sendall(line.encode() + b"\n")
        while not self.PROMPT.search(self.buf):
            d = self.s.recv(65536)
            if not d:
                break
            self.buf += d
        out, self.buf = self.buf, b""
        return out.decode()

    def closed_after(self, line):
        """Sends <line>, returns what came before the server closed."""
        self.s.sendall(line.encode() + b"\n")
        out = b""
        while True:
            d = self.s.recv(65536)
            if not d:
                return out.decode()
            out += d

    def close(self):
        self.s.close()


def start_master(starter, name, tmp_path, cfg, params, options=""):
    """Starts <starter> (the tollgate or haproxy fixture) as <name> in
    master-worker mode on <cfg> % <params> plus a free port (port), with
    the master CLI (-S, then <options>); waits for its worker. Returns the
    master CLI's path."""
    port = free_port()
    msock = str(tmp_path / (name + "-master.sock"))
    t = starter(cfg % dict(params, port=port), port=port, args=["-W", "-S", msock + options],
                name=name + ".cfg")
    wait_until(lambda: master_ready(msock), what=name + "'s master CLI")
    t.wait_log("Loading success.")
    return msock


def start_both(tollgate, haproxy, tmp_path, options=""):
    return {name: start_master(starter, name, tmp_path, CFG, {"extra": ""}, options)
            for name, starter in (("tollgate", tollgate), ("haproxy", haproxy))}


def worker_pid(sock):
    text = admin_cli(sock, "show proc", half_close=True)
    return int(text.split("# workers\n")[1].split()[0])


def norm(text, pid):
    return text.replace(str(pid), "PID")


SCRIPTS = [
    ["prompt", "show cli level", "operator", "show cli level", "@1 show cli level", "user",
     "show cli level"],
    ["prompt", "expert-mode on", "expert-mode", "@1 expert-mode", "experimental-mode on",
     "@1 experimental-mode", "expert-mode on", "@1", "experimental-mode", "expert-mode",
     "@", "show cli level"],
    ["prompt", "@1", "show cli level", "@1 show cli level", "@", "show cli level"],
    ["prompt", "user", "@1 show cli level", "@1 set table be key 1.2.3.4", "reload"],
    ["prompt", "help"],
]


def test_interactive_master_cli_agrees_with_haproxy(tollgate, haproxy, tmp_path):
    socks = start_both(tollgate, haproxy, tmp_path)
    for script in SCRIPTS:
        got = {}
        for name, sock in socks.items():
            pid = worker_pid(sock)
            s = Session(sock)
            got[name] = [norm(s.ask(line), pid) for line in script]
            s.close()
        if script[-1] == "help":
            # the master's commands: HAProxy's minus its `show startup-logs`
            # and `@@<pid>`, which Tollgate does not have
            theirs = [l for l in got["haproxy"][1].splitlines() if l.startswith("  ")]
            ours = [l for l in got["tollgate"][1].splitlines() if l.startswith("  ")]
            assert set(ours) <= set(theirs), set(ours) - set(theirs)
            assert {"  prompt", "  operator", "  user", "  show cli level"} <= \
                {l.split(":")[0].rstrip() for l in ours}
            continue
        assert got["tollgate"] == got["haproxy"], (script, got)
    # what the answers look like
    s = Session(socks["tollgate"])
    assert s.ask("prompt") == "master> "
    assert s.ask("experimental-mode on") == "master(x)> "
    assert re.fullmatch(r"\d+\(x\)> ", s.ask("@1"))
    assert s.ask("@") == "master(x)> "
    assert s.ask("user") == "master(x)> "
    # a refused session command closes the session, as HAProxy's
    assert s.closed_after("operator") == "Permission denied!\n"
    s.close()


def test_one_shot_master_cli_agrees_with_haproxy(tollgate, haproxy, tmp_path):
    socks = start_both(tollgate, haproxy, tmp_path)
    got = {}
    for name, sock in socks.items():
        pid = worker_pid(sock)
        got[name] = [norm(admin_cli(sock, line, half_close=True), pid) for line in (
            "show cli level; operator; show cli level; @1 show cli level",
            "user; @1 clear counters; @1 show cli level",
            "@1 user -; show cli level",
            "show cli sockets",
            "user; reload",
            "experimental-mode on; @1 experimental-mode; @1 show cli level",
            "@!1 show info",
            "prompt; show cli level; prompt; show cli level",
        )]
    assert got["tollgate"] == got["haproxy"], got
    assert got["tollgate"][0] == "admin\n\noperator\n\noperator\n\n"
    # a session out of interactive mode lasts until the client closes its
    # side: two lines on one connection, both answered
    for name, sock in socks.items():
        with socket.socket(socket.AF_UNIX) as c:
            c.settimeout(10)
            c.connect(sock)
            c.sendall(b"show cli level\n")
            first = b""
            while not first.endswith(b"\n\n"):
                first += c.recv(100)
            c.sendall(b"operator; show cli level\n")
            c.shutdown(socket.SHUT_WR)
            rest = b""
            while True:
                d = c.recv(100)
                if not d:
                    break
                rest += d
            assert (first, rest) == (b"admin\n\n", b"operator\n\n"), name


def test_master_cli_bind_options_agree_with_haproxy(tollgate, haproxy, tmp_path):
    """-S <path>,level,operator,mode,640: HAProxy's bind options of the
    master socket; the level is each session's start, carried to the
    workers."""
    import os
    import stat
    socks = start_both(tollgate, haproxy, tmp_path, ",level,operator,mode,640")
    got = {}
    for name, sock in socks.items():
        pid = worker_pid(sock)
        got[name] = [stat.S_IMODE(os.stat(sock).st_mode)]
        got[name] += [norm(admin_cli(sock, line, half_close=True), pid) for line in (
            "show cli level; @1 show cli level; user; show cli level; @1 show cli level",
            "@1 set table be key 1.2.3.4",
            "@1 clear counters",
        )]
        s = Session(sock)
        got[name].append(s.ask("prompt"))
        got[name].append(s.closed_after("expert-mode on"))
        s.close()
    assert got["tollgate"][:2] == [0o640, "operator\n\noperator\n\nuser\n\nuser\n\n"]
    assert got["tollgate"] == got["haproxy"]


MAP_CFG = """
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%(port)d
    http-request set-var(txn.x) req.hdr(host),map(%(map)s)
    http-request return status 200
"""


def test_payload_relayed_to_a_worker_as_haproxy(tollgate, haproxy, tmp_path):
    """`@1 add map <map> <<` followed by lines up to an empty one: the
    payload goes to the worker with its command, one-shot and in
    interactive mode."""
    mapfile = tmp_path / "hosts.map"
    mapfile.write_text("a.example 1\n")
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        msock = start_master(starter, name, tmp_path, MAP_CFG, {"map": mapfile})
        out = [admin_cli(msock, "@1 add map %s <<\nb.example 2\nc.example 3\n" % mapfile, half_close=True)]
        s = Session(msock)
        s.ask("prompt")
        # HAProxy's "+ " prompt for each line until the payload ends
        out.append(s.ask("@1 add map %s <<\nd.example 4\n" % mapfile))
        out.append(s.ask("@1 show map %s" % mapfile))
        s.close()
        got[name] = [re.sub(r"0x[0-9a-f]+", "PTR", o) for o in out]
    assert got["tollgate"][1] == "+ + \nmaster> ", got
    assert got["tollgate"][2].count("example") == 4, got
    assert got["tollgate"] == got["haproxy"], got
