"""Shared fixtures for the integration tests: they start the real binary."""
import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("TOLLGATE_BIN", os.path.join(ROOT, "tollgate"))


class Process:
    """A running tollgate whose stdout is read line by line."""

    def __init__(self, args):
        self.proc = subprocess.Popen(
            [BINARY] + args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines = []

    def wait_line(self, needle, timeout=10):
        """Reads output until a line contains <needle>; returns that line.

        The read is bounded by <timeout> seconds through a watchdog that kills
        the process, so a hang fails the test instead of blocking it.
        """
        import threading

        timer = threading.Timer(timeout, self.proc.kill)
        timer.start()
        try:
            for line in self.proc.stdout:
                self.lines.append(line)
                if needle in line:
                    return line
        finally:
            timer.cancel()
        raise AssertionError(
            "no line with %r; output was:\n%s" % (needle, "".join(self.lines))
        )

    def finish(self, timeout=10):
        """Waits for exit; returns (returncode, remaining output)."""
        out, _ = self.proc.communicate(timeout=timeout)
        self.lines.append(out)
        return self.proc.returncode, out


@pytest.fixture
def tollgate():
    """Starts tollgate with the given arguments; kills it at teardown."""
    started = []

    def start(*args):
        p = Process(list(args))
        started.append(p)
        return p

    yield start
    for p in started:
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait()
