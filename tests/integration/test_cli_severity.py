"""`set severity-output none|number|string`: per session, the messages
(errors, information) are preceded by their syslog severity, as HAProxy
2.6 prints them; dumps are not. Compared with Debian's HAProxy 2.6 on the
same configuration through real admin sockets."""
from conftest import admin_cli, start_both

CFG = """
global
    stats socket %(sock)s level admin
    stats timeout 5s
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(bport)d
"""

# Commands whose answers are the same text in both; each is run after
# `set severity-output <mode>` on the same line (one session).
SAME = [
    "set weight be/nope 1",
    "set weight be/s1 1",
    "show table nope",
    "set timeout cli x",
    "add map nope",
    "operator; set weight be/s1 1",
    "set severity-output",
    "set severity-output bogus",
    "set severity-output none; set weight be/nope 1",
    "show backend",
    "set map nope a b",
    "prepare map",
    "clear map",
    "get map",
    "del acl",
    "set table nope key a",
]


def test_severity_output_as_haproxy(tollgate, haproxy, tmp_path, dead_port):
    both = start_both(tollgate, haproxy, tmp_path, CFG, bport=dead_port)
    t, h = both["tollgate"][0], both["haproxy"][0]
    for mode in ("none", "number", "string"):
        for cmd in SAME:
            line = "set severity-output %s; %s" % (mode, cmd)
            assert admin_cli(t, line) == admin_cli(h, line), line
    assert admin_cli(t, "set severity-output number; set weight be/nope 1") == "\n[3]: No such server.\n\n"
    assert admin_cli(t, "set severity-output string; set weight be/nope 1") == "\n[err]: No such server.\n\n"
    # information messages: severity 6
    for sock in (t, h):
        assert admin_cli(sock, "set severity-output number; show version").startswith("\n[6]: ")
        assert admin_cli(sock, "set severity-output string; nosuchcmd").startswith("\n[info]: Unknown command")
    # warnings: severity 4 (2.6 adds " by 'stats socket command'", 3.x not)
    for sock in (t, h):
        assert admin_cli(sock, "set severity-output number; set server be/s1 addr x").startswith(
            "\n[4]: Invalid addr 'x'")
        assert admin_cli(sock, "set severity-output string; set server be/s1 addr 127.0.0.2").startswith(
            "\n[warning]: IP changed from '127.0.0.1' to '127.0.0.2'")
    # per session: a new connection starts without it
    assert admin_cli(t, "set weight be/nope 1") == "No such server.\n\n"
