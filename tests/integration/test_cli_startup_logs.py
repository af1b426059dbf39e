"""`show startup-logs`: the messages of the start-up (configuration
warnings included) kept in memory, on the stats socket (level operator)
and, through `@1`, on the master CLI, side by side with Debian's HAProxy
2.6 on a configuration that triggers warnings (missing timeouts)."""
from conftest import admin_cli, start_both, wait_until
from test_master_cli import start_master
from test_master_worker import mcli

CFG = """
global
    stats socket %(sock)s level admin
defaults
    mode tcp
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(bport)d
"""


def warnings(text):
    return [line for line in text.splitlines() if line.startswith("[WARNING]")]


def check_logs(text, product):
    lines = text.splitlines()
    assert lines[0].startswith("[NOTICE]") and lines[0].endswith(
        ": %s version is %s" % (product, lines[0].rsplit(" ", 1)[1])), lines
    assert ": path to executable is /" in lines[1], lines
    w = warnings(text)
    assert any("missing timeouts for frontend 'fe'" in line for line in w), w
    assert any("missing timeouts for backend 'be'" in line for line in w), w
    assert text.endswith("\n\n")


def test_startup_logs_on_the_stats_socket(tollgate, haproxy, tmp_path, dead_port):
    both = start_both(tollgate, haproxy, tmp_path, CFG, bport=dead_port)
    t, h = both["tollgate"][0], both["haproxy"][0]
    check_logs(admin_cli(t, "show startup-logs"), "tollgate")
    check_logs(admin_cli(h, "show startup-logs"), "haproxy")
    # the same number of warnings: one per proxy without timeouts
    assert len(warnings(admin_cli(t, "show startup-logs"))) == \
        len(warnings(admin_cli(h, "show startup-logs"))) == 2
    # level operator, as HAProxy
    for sock in (t, h):
        assert admin_cli(sock, "user; show startup-logs") == "\nPermission denied\n\n"
        assert "missing timeouts" in admin_cli(sock, "operator; show startup-logs")
    # what happens after start-up is not kept
    before = admin_cli(t, "show startup-logs")
    admin_cli(t, "disable server be/s1")
    wait_until(lambda: "MAINT" in admin_cli(t, "show stat"), what="s1 in maintenance")
    assert admin_cli(t, "show startup-logs") == before


MCFG = CFG.replace("    stats socket %(sock)s level admin\n", "")


def test_startup_logs_through_the_master_cli(tollgate, haproxy, tmp_path, dead_port):
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        msock = start_master(starter, name, tmp_path, MCFG, {"bport": dead_port})
        # the master has no such command, as HAProxy 2.6; its worker has
        assert mcli(msock, "show startup-logs").startswith("Unknown command")
        check_logs(mcli(msock, "@1 show startup-logs"), name)
