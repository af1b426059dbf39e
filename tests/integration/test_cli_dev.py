"""`show dev` (HAProxy 3.x's; 2.6 answers "Unknown command"): the build,
the platform and the process's identity and limits, in 3.x's sections,
observed through a real admin socket."""
import os
import re
import resource

from conftest import admin_cli, start_both
from test_cli_severity import CFG


def test_show_dev(tollgate, haproxy, tmp_path, dead_port):
    both = start_both(tollgate, haproxy, tmp_path, CFG, bport=dead_port)
    # not in 2.6
    assert admin_cli(both["haproxy"][0], "show dev").startswith("Unknown command")
    text = admin_cli(both["tollgate"][0], "show dev")
    sections = [l for l in text.splitlines() if l and not l.startswith(" ")]
    assert sections == ["Tollgate version " + admin_cli(both["tollgate"][0], "show version").strip(),
                        "Features:", "Build options:", "Platform info:", "Process info:"], text
    u = os.uname()
    for line in ("  OS name: %s" % u.sysname, "  OS release: %s" % u.release,
                 "  OS architecture: %s" % u.machine, "  node name: %s" % u.nodename):
        assert line + "\n" in text, (line, text)
    pid = int(re.search(r"^  pid: (\d+)$", text, re.M).group(1))
    cmdline = open("/proc/%d/cmdline" % pid).read().replace("\0", " ")
    assert "  cmdline: %s\n" % cmdline in text
    # identity and limits, at boot and now (the same here: no user change)
    assert re.search(r"^      uid:\s+%d\s+%d\s+$" % (os.getuid(), os.getuid()), text, re.M), text
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    assert re.search(r"^      fd limit \(hard\):\s+%d\s+%d\s+$" % (soft, soft), text, re.M), text
    assert admin_cli(both["tollgate"][0], "show dev x") == "This command takes no argument.\n\n"
