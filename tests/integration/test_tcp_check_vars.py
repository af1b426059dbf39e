"""tcp-check set-var / set-var-fmt / unset-var: check-scoped variables
that later send-lf and on-success / on-error formats use. Each case runs
through haproxy 2.6 and tollgate on the same configuration, against a
server that answers according to what the check sent; the "Health
check" log lines must agree (verdict, reason, step numbers)."""
import pytest

from conftest import run_check
from test_tcp_check import BASE
from test_tcp_check_lf import Greeter, both

CASES = [
    # set-var with a sample expression, read back by send-lf
    ("HELLO world\r\n", b"+OK\r\n",
     ["tcp-check set-var(check.who) str(world)",
      'tcp-check send-lf "HELLO %[var(check.who)]\\r\\n"', "tcp-check expect string +OK"], "succeeded"),
    # set-var-fmt: a log-format with a fetch of the check
    ("HELLO a-1\r\n", b"+OK\r\n",
     ['tcp-check set-var-fmt(check.who) "%[srv_name]-1"',
      'tcp-check send-lf "HELLO %[var(check.who)]\\r\\n"', "tcp-check expect string +OK"], "succeeded"),
    # unset-var: the variable is gone for the later send-lf
    ("HELLO \r\n", b"+OK\r\n",
     ["tcp-check set-var(check.who) str(world)", "tcp-check unset-var(check.who)",
      'tcp-check send-lf "HELLO %[var(check.who)]\\r\\n"', "tcp-check expect string +OK"], "succeeded"),
    # variable actions before the first connect, and between steps
    ("HELLO 42\r\n", b"+OK\r\n",
     ["tcp-check set-var(check.n) int(41)", "tcp-check connect",
      "tcp-check set-var(check.n) var(check.n),add(1)",
      'tcp-check send-lf "HELLO %[var(check.n)]\\r\\n"', "tcp-check expect string +OK"], "succeeded"),
    # the variable in on-success / on-error texts
    ("PING\r\n", b"+OK\r\n",
     ["tcp-check set-var(check.tag) str(blue)", "tcp-check send PING\\r\\n",
      'tcp-check expect string +OK on-success "%[var(check.tag)] is fine"'], "succeeded"),
    ("PING\r\n", b"-ERR\r\n",
     ["tcp-check send PING\\r\\n", "tcp-check set-var(check.tag) str(red)",
      'tcp-check expect string +OK on-error "%[var(check.tag)] said no"'], "failed"),
    # variable actions count as steps in failure messages
    ("PING\r\n", b"-ERR\r\n",
     ["tcp-check set-var(check.tag) str(red)", "tcp-check send PING\\r\\n",
      "tcp-check expect string +OK"], "failed"),
]


@pytest.mark.parametrize("want,answer,rules,verdict", CASES)
def test_like_haproxy(backend, haproxy, tollgate, want, answer, rules, verdict):
    ref, ours = both(backend, haproxy, tollgate, Greeter(want.encode(), answer), rules)
    assert ref.startswith(verdict), ref
    assert ours == ref


def test_config_errors(tmp_path):
    cfg = BASE + """backend be
    option tcp-check
    tcp-check set-var(check.x) nosuchfetch
    server a 127.0.0.1:1 check
"""
    rc, out, path = run_check(cfg, tmp_path)
    assert rc != 0, out
    assert "[%s:%d]" % (path, BASE.count("\n") + 3) in out, out
    assert "nosuchfetch" in out, out
    cfg = BASE + """backend be
    option tcp-check
    tcp-check unset-var(check.x) extra
    server a 127.0.0.1:1 check
"""
    rc, out, path = run_check(cfg, tmp_path)
    assert rc != 0, out
    assert "'tcp-check unset-var(check.x)' : unexpected word 'extra'" in out, out
