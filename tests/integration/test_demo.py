"""The runtime demonstration started by `make run`: the real binary, its
threads, cross-thread wakeups, timers and signal handling."""
import re
import signal


def test_demo_runs_and_stops_on_sigint(tollgate):
    p = tollgate("--demo", "-t", "4")
    p.wait_line("demo running: 4 threads")
    line = p.wait_line("[demo] 1s:")
    hops = int(re.search(r"token hops/s=(\d+)", line).group(1))
    assert hops > 0, line
    p.proc.send_signal(signal.SIGINT)
    rc, out = p.finish()
    assert rc == 0
    assert "signal 2 received" in out
    total = int(re.search(r"stopped: hops=(\d+)", out).group(1))
    assert total >= hops


def test_demo_timers_fire_on_every_thread(tollgate):
    p = tollgate("--demo", "-t", "3", "-d", "2")
    p.wait_line("demo running")
    line = p.wait_line("[demo] 2s:")
    runs = int(re.search(r"timer runs=(\d+)", line).group(1))
    # 3 threads, one 100 ms timer each, for about 2 s
    assert runs >= 3 * 10, line
    rc, out = p.finish()
    assert rc == 0
    assert "stopped" in out


def test_bad_thread_count_is_refused(tollgate):
    p = tollgate("--demo", "-t", "0")
    rc, out = p.finish()
    assert rc == 1
    assert "[ALERT] -t: expected a thread count from 1 to 64, got '0'" in out


def test_version(tollgate):
    p = tollgate("-v")
    rc, out = p.finish()
    assert rc == 0
    assert out.startswith("Tollgate version ")
