"""last_rule_file / last_rule_line: where the last final rule that ran for
the request is declared (doc/configuration.md), seen in the log line and
compared with HAProxy 2.6."""
import os

import pytest

from conftest import wait_until
import httpbackend as hb
from test_request_counter import HEAD, keepalive, start_with_server


CFG = HEAD + """    log-format "LR %%HP %%[last_rule_file] %%[last_rule_line]"
    http-request set-header x-a 1
    http-request set-var(txn.p) path
    http-request deny if { path /deny }
    http-request return status 200 if { path /ret }
    default_backend be
backend be
    http-response allow if { var(txn.p) -m str /fwd }
    server s1 127.0.0.1:%(srv)d
"""


def lines(proc):
    out = []
    for l in proc.output().splitlines():
        if l.startswith("LR /"):
            _, path, f, line = l.split()
            out.append((path, os.path.basename(f) if f != "-" else f, line))
    return out


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_last_final_rule_per_request(tollgate, haproxy, http_backend, which):
    proc, port = start_with_server(tollgate if which == "tollgate" else haproxy, http_backend, CFG)
    # keep-alive: each request sees its own rules only (/none: no final
    # rule, no value)
    keepalive(port, ("/ret", "/fwd", "/none"))
    assert hb.get(port, "/deny")[0] == 403
    wait_until(lambda: len(lines(proc)) == 4, 5, "4 log lines in:\n%s" % proc.output())
    name = which + ".cfg"
    assert lines(proc) == [("/ret", name, "18"), ("/fwd", name, "21"), ("/none", "-", "-"),
                           ("/deny", name, "17")]
