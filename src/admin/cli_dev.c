/*
 * Admin socket command `show dev`: facts for developers chasing a problem
 * (HAProxy 3.x's command, in its layout): the build, the platform, the
 * process's identity and limits, at boot and now.
 *
 * The boot values are recorded by a constructor, before main() changes
 * anything (user, group, descriptor limit); the rest is read when asked.
 * Nothing here is meant to be parsed by scripts, as HAProxy warns.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <tollgate/cli.h>
#include <tollgate/tls.h>
#include <tollgate/version.h>

/* The process as it started (dev_record_boot()). */
static struct {
	uid_t uid;                   /* user at boot */
	gid_t gid;                   /* group at boot */
	struct rlimit fd;            /* RLIMIT_NOFILE at boot */
	struct rlimit ram;           /* RLIMIT_DATA at boot */
} dev_boot;

__attribute__((constructor)) static void dev_record_boot(void)
{
	dev_boot.uid = getuid();
	dev_boot.gid = getgid();
	getrlimit(RLIMIT_NOFILE, &dev_boot.fd);
	getrlimit(RLIMIT_DATA, &dev_boot.ram);
}

/* Reads the first line of file <path> starting with <key> into <buf>
 * (<len> bytes), the value after the key and its separators (':', '=',
 * blanks, quotes). Returns <buf>, "" when absent.
 */
static const char *dev_read_key(const char *path, const char *key, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];

	buf[0] = '\0';
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		char *v;

		if (strncmp(line, key, strlen(key)))
			continue;
		v = line + strlen(key);
		v += strspn(v, " \t:=\"");
		v[strcspn(v, "\"\n")] = '\0';
		snprintf(buf, len, "%s", v);
		break;
	}
	fclose(f);
	return buf;
}

/* Writes a limit HAProxy's way: "unlimited" or the number. */
static const char *dev_limit(rlim_t v, char *buf, size_t len)
{
	if (v == RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

/* Writes the process's command line, its words separated by blanks. */
static void dev_cmdline(struct cli_session *s)
{
	FILE *f = fopen("/proc/self/cmdline", "r");
	char buf[4096];
	size_t n;

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[n] = '\0';
	cli_printf(s, "%s", buf);
}

static void dev_limits_line(struct cli_session *s, const char *name, rlim_t boot, rlim_t now)
{
	char b1[32], b2[32];

	cli_printf(s, "  %-22s  %-11s  %-11s \n", name, dev_limit(boot, b1, sizeof(b1)),
	           dev_limit(now, b2, sizeof(b2)));
}

static int parse_show_dev(struct cli_session *s, int argc, char **args)
{
	struct utsname u;
	struct rlimit fd, ram;
	char cpu[256], distro[256];

	if (argc > 2)
		return cli_err(s, "This command takes no argument.\n");
	cli_printf(s, "Tollgate version %s\n", TOLLGATE_VERSION);
	cli_printf(s, "Features:\n  %s\n", TOLLGATE_BUILD_FEATURES);
	cli_printf(s, "Build options:\n  TARGET=%s\n  %s\n  OpenSSL: %s\n", TOLLGATE_BUILD_TARGET,
	           TOLLGATE_BUILD_OPTIONS, tls_library_version());
	cli_printf(s, "Platform info:\n");
	if (*dev_read_key("/proc/cpuinfo", "model name", cpu, sizeof(cpu)))
		cli_printf(s, "  cpu model: %s\n", cpu);
	if (uname(&u) == 0) {
		cli_printf(s, "  OS name: %s\n", u.sysname);
		cli_printf(s, "  OS release: %s\n", u.release);
		cli_printf(s, "  OS version: %s\n", u.version);
		cli_printf(s, "  OS architecture: %s\n", u.machine);
		cli_printf(s, "  node name: %s\n", u.nodename);
	}
	if (*dev_read_key("/etc/os-release", "PRETTY_NAME", distro, sizeof(distro)))
		cli_printf(s, "  distro pretty name: %s\n", distro);
	cli_printf(s, "Process info:\n");
	cli_printf(s, "  pid: %d\n", (int)getpid());
	cli_printf(s, "  cmdline: ");
	dev_cmdline(s);
	cli_printf(s, "\n");
	cli_printf(s, "  %-22s  %-11s  %-11s \n", "identity:", "-boot-", "-runtime-");
	cli_printf(s, "  %-22s  %-11d  %-11d \n", "    uid:", (int)dev_boot.uid, (int)getuid());
	cli_printf(s, "  %-22s  %-11d  %-11d \n", "    gid:", (int)dev_boot.gid, (int)getgid());
	cli_printf(s, "  %-22s  %-11s  %-11s \n", "limits:", "-boot-", "-runtime-");
	getrlimit(RLIMIT_NOFILE, &fd);
	getrlimit(RLIMIT_DATA, &ram);
	dev_limits_line(s, "    fd limit (soft):", dev_boot.fd.rlim_cur, fd.rlim_cur);
	dev_limits_line(s, "    fd limit (hard):", dev_boot.fd.rlim_max, fd.rlim_max);
	dev_limits_line(s, "    ram limit (soft):", dev_boot.ram.rlim_cur, ram.rlim_cur);
	dev_limits_line(s, "    ram limit (hard):", dev_boot.ram.rlim_max, ram.rlim_max);
	return CLI_DONE;
}

static struct cli_kw dev_kws[] = {
	{ { "show", "dev", NULL }, "show dev                                : show debug info for developers",
	  CLI_LVL_USER, parse_show_dev, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list dev_kw_list = { dev_kws, NULL };

__attribute__((constructor)) static void cli_dev_register(void)
{
	cli_register(&dev_kw_list);
}
