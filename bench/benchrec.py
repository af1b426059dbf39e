"""Shared by the Python benchmarks: the header line naming the run, and
recording the result in bench/results/ (RECORD=0: print only)."""
import datetime
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def run_header():
    """Returns '# date ..., host ..., N CPUs, commit ...'."""
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return "# date %s, host %s, %d CPUs, commit %s" % (
        datetime.datetime.now().isoformat(timespec="minutes"), os.uname().nodename, os.cpu_count(), commit)


def record(lines, suffix):
    """Writes <lines> to bench/results/<date>-<suffix>.txt, or prints them
    when RECORD=0."""
    text = "\n".join(lines) + "\n"
    if os.environ.get("RECORD", "1") == "0":
        print(text, end="")
        return
    name = datetime.datetime.now().strftime("%Y-%m-%d-%H%M") + "-" + suffix + ".txt"
    with open(os.path.join(ROOT, "bench", "results", name), "w") as f:
        f.write(text)
    print("recorded bench/results/" + name)
