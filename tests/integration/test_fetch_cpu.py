"""cpu_calls, cpu_ns_avg, cpu_ns_tot, lat_ns_avg, lat_ns_tot
(doc/configuration.md): the runs of the stream's task for the request, and
the time measured only under `profiling.tasks on` (HAProxy's default is
off, and Tollgate has no task profiling): 0. Seen in the log line,
compared with HAProxy 2.6."""
import pytest

from conftest import wait_until
from test_request_counter import HEAD, keepalive, start_with_server


CFG = HEAD + """    log-format "CPU %%HP %%[cpu_calls] %%[cpu_ns_avg] %%[cpu_ns_tot] %%[lat_ns_avg] %%[lat_ns_tot]"
    default_backend be
backend be
    server s1 127.0.0.1:%(srv)d
"""


def lines(proc):
    return [l.split()[1:] for l in proc.output().splitlines() if l.startswith("CPU /")]


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_cpu_calls_per_request_and_no_profiling(tollgate, haproxy, http_backend, which):
    proc, port = start_with_server(tollgate if which == "tollgate" else haproxy, http_backend, CFG)
    keepalive(port, ["/r%d" % i for i in range(6)])   # each request counts its own runs
    wait_until(lambda: len(lines(proc)) == 6, 5, "6 log lines in:\n%s" % proc.output())
    got = lines(proc)
    calls = [int(l[1]) for l in got]
    assert all(1 <= n <= 8 for n in calls), got
    assert all(l[2:] == ["0", "0", "0", "0"] for l in got), got
