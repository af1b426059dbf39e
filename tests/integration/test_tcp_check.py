"""option tcp-check: connect/send/send-binary/expect rulesets against real
Python backends, their failure reasons in the log, and configuration
errors of `tcp-check` lines (tollgate -c)."""
import socket
import threading

import pytest

from conftest import free_port, run_check, wait_until

BASE = """
global
    nbthread 2
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    timeout check 2s
"""


class Responder:
    """Handler for conftest.Backend: reads until <want> has arrived (or
    anything, if <want> is empty), answers <answer>, then closes at once
    (<close>) or keeps the connection open until the peer closes. The
    answer can be changed while running; checks that got their answer are
    counted in <answered>."""

    def __init__(self, answer, want=b"", close=True):
        self.answer = answer
        self.want = want
        self.close = close
        self.answered = 0
        self.lock = threading.Lock()

    def __call__(self, c):
        c.settimeout(10)
        got = b""
        while self.want and self.want not in got:
            d = c.recv(4096)
            if not d:
                return
            got += d
        answer = self.answer
        if answer is not None:
            c.sendall(answer)
        with self.lock:
            self.answered += 1
        if self.close:
            return
        while c.recv(4096):
            pass

    def count(self):
        with self.lock:
            return self.answered


def backend_cfg(port, servers, rules, extra=""):
    lines = ["listen lb", "    bind 127.0.0.1:%d" % port, "    option tcp-check",
             "    option log-health-checks"]
    lines += ["    " + extra] if extra else []
    lines += ["    " + r for r in rules]
    lines += ["    server %s 127.0.0.1:%d check inter 50 fall 1 rise 1%s" % s for s in servers]
    return BASE + "\n".join(lines) + "\n"


REDIS = ["tcp-check send PING\\r\\n", "tcp-check expect string +PONG"]


def stays_up(t, resp, name, probes=6):
    """Waits for <probes> answered checks and asserts that <name> was never
    reported down: probe N+1 starts only after probe N's result, so the
    results of the first <probes> - 1 probes are in the log by then."""
    wait_until(lambda: resp.count() >= probes, 10, "%d checks answered" % probes)
    out = t.output()
    assert "lb/%s is DOWN" % name not in out, out
    assert "Health check for server lb/%s failed" % name not in out, out


def test_ping_pong_stays_up_and_err_goes_down(backend, tollgate):
    pong = Responder(b"+PONG\r\n", b"PING\r\n", close=False)
    err = Responder(b"-ERR unknown command\r\n", b"PING\r\n", close=True)
    a, b = backend("A", pong), backend("B", err)
    port = free_port()
    t = tollgate(backend_cfg(port, [("a", a.port, ""), ("b", b.port, "")], REDIS), port=port)
    t.wait_log('Server lb/b is DOWN, reason: Layer7 invalid response, info: '
               '"TCPCHK did not match content \'+PONG\' at step 2"')
    assert "Health check for server lb/b failed, reason: Layer7 invalid response" in t.output()
    stays_up(t, pong, "a")


def test_server_recovers_when_answer_changes(backend, tollgate):
    resp = Responder(b"-ERR\r\n", b"PING\r\n", close=True)
    a = backend("A", resp)
    port = free_port()
    t = tollgate(backend_cfg(port, [("a", a.port, "")], REDIS), port=port)
    t.wait_log("Server lb/a is DOWN")
    resp.answer = b"+PONG\r\n"
    t.wait_log('Server lb/a is UP, reason: Layer7 check passed, code: 0, info: "(tcp-check)"')


def test_failures_before_fall_are_logged(backend, tollgate):
    """fall 3: a server starts up one failure from down, as HAProxy's (its
    first success is logged, and makes it fully up); then the first failure
    is logged with the health status, and the server goes down at the
    third."""
    resp = Responder(b"+PONG\r\n", b"PING\r\n", close=True)
    a = backend("A", resp)
    port = free_port()
    cfg = backend_cfg(port, [("a", a.port, "")], REDIS).replace("fall 1 rise 1", "fall 3 rise 1")
    t = tollgate(cfg, port=port)
    t.wait_log('Health check for server lb/a succeeded, reason: Layer7 check passed, code: 0, '
               'info: "(tcp-check)", check duration: ')
    assert "status: 3/3 UP." in t.output()
    resp.answer = b"-ERR\r\n"
    t.wait_log("Server lb/a is DOWN")
    out = t.output()
    first = out.index("Health check for server lb/a failed, reason: Layer7 invalid response")
    assert "status: 2/3 UP." in out[first:].splitlines()[0], out
    # logged at each move of the health: 2/3, 1/3, then 0/1 DOWN
    assert out.count("Health check for server lb/a failed") == 3, out


def test_first_failure_brings_a_fresh_server_down(backend, tollgate):
    """A checked server starts up but one failure from down, as HAProxy."""
    err = Responder(b"-ERR\r\n", b"PING\r\n", close=True)
    a = backend("A", err)
    port = free_port()
    cfg = backend_cfg(port, [("a", a.port, "")], REDIS).replace("fall 1 rise 1", "fall 3 rise 2")
    t = tollgate(cfg, port=port)
    t.wait_log("Server lb/a is DOWN")
    out = t.output()
    assert out.count("Health check for server lb/a failed") == 1, out
    assert "status: 0/2 DOWN." in out, out


def test_server_closing_mid_answer(backend, tollgate):
    """A partial answer then a close: the expect fails at once, no timeout."""
    half = Responder(b"+PO", b"PING\r\n", close=True)
    a = backend("A", half)
    port = free_port()
    t = tollgate(backend_cfg(port, [("a", a.port, "")], REDIS, "timeout check 30s"), port=port)
    t.wait_log("Server lb/a is DOWN, reason: Layer7 invalid response, info: "
               "\"TCPCHK did not match content '+PONG' at step 2\"", timeout=5)


def test_regex_expect(backend, tollgate):
    master = Responder(b"# Replication\r\nrole:master\r\n", b"info replication\r\n")
    slave = Responder(b"# Replication\r\nrole:slave\r\n", b"info replication\r\n")
    a, b = backend("A", master), backend("B", slave)
    port = free_port()
    rules = ['tcp-check send "info replication\\r\\n"',
             'tcp-check expect rstring "role:(master|primary)\\r"']
    t = tollgate(backend_cfg(port, [("a", a.port, ""), ("b", b.port, "")], rules), port=port)
    t.wait_log("Server lb/b is DOWN, reason: Layer7 invalid response, info: "
               "\"TCPCHK did not match content (regex) 'role:(master|primary)\\r' at step 2\"")
    stays_up(t, master, "a")


def test_binary_send_and_expect(backend, tollgate):
    good = Responder(b"\x00\xca\xfe\x00\x01", b"\x00\x01PNG\xff")
    bad = Responder(b"\x00\xde\xad", b"\x00\x01PNG\xff")
    a, b = backend("A", good), backend("B", bad)
    port = free_port()
    rules = ["tcp-check send-binary 0001504E47ff", "tcp-check expect binary CAFE0001"]
    t = tollgate(backend_cfg(port, [("a", a.port, ""), ("b", b.port, "")], rules), port=port)
    t.wait_log("Server lb/b is DOWN, reason: Layer7 invalid response, info: "
               "\"TCPCHK did not match content (binary) 'CAFE0001' at step 2\"")
    stays_up(t, good, "a")


def test_negated_expect(backend, tollgate):
    ok = Responder(b"+OK ready\r\n", close=True)
    err = Responder(b"-ERR busy\r\n", close=True)
    a, b = backend("A", ok), backend("B", err)
    port = free_port()
    rules = ["tcp-check expect ! string -ERR"]
    t = tollgate(backend_cfg(port, [("a", a.port, ""), ("b", b.port, "")], rules), port=port)
    t.wait_log("Server lb/b is DOWN, reason: Layer7 invalid response, info: "
               "\"TCPCHK matched unwanted content '-ERR' at step 1\"")
    stays_up(t, ok, "a")


def test_negated_expect_with_min_recv_decides_without_close(backend, tollgate):
    """Without min-recv a negated expect waits for the end of the answer;
    with it, enough bytes decide while the server keeps the line open."""
    ok = Responder(b"+OK ready\r\n", close=False)
    a = backend("A", ok)
    port = free_port()
    rules = ["tcp-check expect min-recv 3 !string -ERR"]
    t = tollgate(backend_cfg(port, [("a", a.port, "")], rules, "timeout check 5s"), port=port)
    stays_up(t, ok, "a")


def test_silent_server_times_out(backend, tollgate):
    silent = Responder(None, b"PING\r\n", close=False)
    a = backend("A", silent)
    port = free_port()
    t = tollgate(backend_cfg(port, [("a", a.port, "")], REDIS, "timeout check 200ms"), port=port)
    t.wait_log("Server lb/a is DOWN, reason: Layer7 timeout, info: "
               "\" at step 2 of tcp-check (expect string '+PONG')\"")


def test_connect_port_checks_another_port(backend, tollgate):
    traffic_port = free_port()                  # nothing listens on the traffic port
    resp = Responder(b"+PONG\r\n", b"PING\r\n")
    health = backend("H", resp)
    port = free_port()
    rules = ["tcp-check connect port %d" % health.port] + REDIS
    t = tollgate(backend_cfg(port, [("a", traffic_port, "")], rules), port=port)
    stays_up(t, resp, "a")                      # so the checks went to the other port
    health.stop()
    t.wait_log("Server lb/a is DOWN, reason: Layer4 connection problem, info: "
               "\"ECONNREFUSED returned by OS (Connection refused) at step 1 of tcp-check (connect port %d)\"" % health.port)


def test_two_connect_steps(backend, tollgate):
    """Each connect closes the previous connection; both services must answer."""
    pop = Responder(b"+OK POP3 ready\r\n", close=False)
    imap = Responder(b"* OK IMAP4 ready\r\n", close=False)
    p, i = backend("P", pop), backend("I", imap)
    port = free_port()
    rules = ["tcp-check connect port %d" % p.port, "tcp-check expect string +OK\\ POP3",
             "tcp-check connect port %d" % i.port,
             "tcp-check comment imap-banner", "tcp-check expect string '* OK IMAP4 ready'"]
    t = tollgate(backend_cfg(port, [("a", p.port, "")], rules, "timeout check 1s"), port=port)
    stays_up(t, imap, "a")
    imap.answer = b"* BYE\r\n"
    t.wait_log("Server lb/a is DOWN, reason: Layer7 timeout, info: "
               "\" at step 4 of tcp-check (expect string '* OK IMAP4 ready'), comment: imap-banner\"", timeout=10)


def test_rules_without_option_are_plain_connects(backend, tollgate):
    a = backend("A")
    port = free_port()
    cfg = backend_cfg(port, [("a", a.port, "")], REDIS).replace("    option tcp-check\n", "")
    t = tollgate(cfg, port=port)
    t.wait_log("has 'tcp-check' rules but no 'option tcp-check'")
    # a plain check's connection is never accepted (see
    # test_check_servers_state.py): its log line is the evidence
    t.wait_log("Health check for server lb/a succeeded, reason: Layer4 check passed")
    assert "lb/a is DOWN" not in t.output()


# ---- on-success, on-error, status-code ----

MESSAGE_CASES = [
    (b"-ERR x\r\n", 'on-error "bad answer" on-success "all good" status-code int(42)',
     'failed, reason: Layer7 invalid response, info: "bad answer"'),
    (b"+PONG\r\n", 'on-error "bad answer" on-success "all good" status-code int(42)',
     'succeeded, reason: Layer7 check passed, code: 42, info: "all good"'),
    (b"+PONG\r\n", 'on-success "fine"', 'succeeded, reason: Layer7 check passed, code: 0, info: "fine"'),
    (b"+PONG\r\n", 'status-code int(7)', 'succeeded, reason: Layer7 check passed, code: 7, info: "(tcp-check)"'),
]


@pytest.mark.parametrize("answer,opts,line", MESSAGE_CASES)
def test_expect_messages_like_haproxy(backend, tollgate, haproxy, answer, opts, line):
    """The reasons of expect's on-success / on-error / status-code, read in
    both binaries' "Health check" lines."""
    a = backend("A", Responder(answer, b"PING\r\n"))
    rules = ["tcp-check send PING\\r\\n", "tcp-check expect string +PONG " + opts]
    for start in (haproxy, tollgate):
        port = free_port()
        t = start(backend_cfg(port, [("a", a.port, "")], rules), port=port)
        t.wait_log("Health check for server lb/a " + line + ", check duration: ")
        t.kill()


# ---- configuration errors ----

def check_error(tmp_path, rules, idx, needle, section="backend be"):
    """Checks that -c refuses <rules> with <needle> at the line of rules[idx]."""
    head = BASE + section + "\n    option tcp-check\n"
    cfg = head + "".join("    %s\n" % r for r in rules) + "    server a 127.0.0.1:1 check\n"
    rc, out, path = run_check(cfg, tmp_path)
    assert rc != 0, out
    assert "[%s:%d]" % (path, head.count("\n") + 1 + idx) in out, out
    assert needle in out, out


def test_config_bad_regex(tmp_path):
    check_error(tmp_path, ["tcp-check send x", "tcp-check expect rstring 'a(b'"], 1,
                "'tcp-check expect rstring' : invalid regular expression 'a(b'")


def test_config_odd_hex(tmp_path):
    check_error(tmp_path, ["tcp-check send-binary abc"], 0,
                "'tcp-check send-binary' : 'abc' has an odd number of hexadecimal digits")
    check_error(tmp_path, ["tcp-check expect binary 0g"], 0,
                "invalid hexadecimal digit 'g' in '0g'")


def test_config_unknown_action(tmp_path):
    check_error(tmp_path, ["tcp-check frobnicate"], 0,
                "'tcp-check' : unknown action 'frobnicate' (expected 'comment', 'connect', 'send', 'send-binary', 'send-lf', 'send-binary-lf', 'expect', 'set-var', 'set-var-fmt' or 'unset-var')")


def test_config_other_errors(tmp_path):
    check_error(tmp_path, ["tcp-check expect string"], 0, "'tcp-check expect string' expects a pattern")
    check_error(tmp_path, ["tcp-check expect foo bar"], 0, "'tcp-check expect' : unknown word 'foo'")
    check_error(tmp_path, ["tcp-check expect string a b"], 0, "unexpected word 'b' after the pattern 'a'")
    check_error(tmp_path, ["tcp-check connect port 70000"], 0, "'port' expects a port number from 1 to 65535, got '70000'")
    check_error(tmp_path, ["tcp-check connect via-socks4"], 0, "option 'via-socks4' is not supported yet")
    check_error(tmp_path, ["tcp-check expect string-lf x"], 0, "match 'string-lf' is not supported yet")
    check_error(tmp_path, ["tcp-check send x", "tcp-check connect port 80"], 1,
                "the first step must be a 'connect' when the ruleset has one, but step 1 is 'send' (line %d)" % (BASE.count("\n") + 3))


def test_config_valid(tmp_path):
    cfg = BASE + """backend be
    option tcp-check
    tcp-check comment "redis check"
    tcp-check connect port 6379 linger comment conn
    tcp-check send PING\\r\\n comment ping
    tcp-check expect min-recv 5 comment pong string +PONG
    tcp-check send-binary 0a0B
    tcp-check expect !rstring ^-ERR
    tcp-check expect ! binary 00ff
    server a 127.0.0.1:6379 check
"""
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc == 0, out
    assert "Configuration file is valid" in out


def test_check_results_logged_only_with_log_health_checks(tollgate, dead_port):
    """Without option log-health-checks only state changes are logged."""
    import socket as s_
    port = free_port()
    dead = dead_port
    t = tollgate(BASE + """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d check inter 100 fall 1
""" % (port, dead), port=port)
    t.wait_log("Server lb/a is DOWN")
    assert "Health check for server" not in t.output()


def test_config_expect_message_errors(tmp_path):
    check_error(tmp_path, ["tcp-check send x", "tcp-check expect string y status-code str(a)"], 1,
                "'status-code' expression 'str(a)' is not supported yet (supported: int(<N>))")
    check_error(tmp_path, ["tcp-check send x", "tcp-check expect string y on-success"], 1,
                "'on-success' expects an argument")
