/*
 * External checks: spawning the command, reaping it. See check_ext.h.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tollgate/addr.h>
#include <tollgate/check_ext.h>
#include <tollgate/compiler.h>
#include <tollgate/global.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>

extern char **environ;

#define EXTCHK_ENV_MAX   16       /* variables Tollgate sets */
#define EXTCHK_ENV_BYTES 4096     /* room for their text */

/* Fills <host> and <port> with the address <a> as HAProxy gives it to the
 * command: the host without brackets and the port, or a unix path and "".
 */
static void extchk_addr(const struct addr *a, char *host, size_t hsize, char *port, size_t psize)
{
	char buf[ADDR_STRLEN];

	addr_format(a, buf, sizeof(buf));
	*port = '\0';
	if (a->kind == ADDR_INET) {
		char *colon = (a->flags & ADDR_F_NO_PORT) ? NULL : strrchr(buf, ':');

		if (colon) {
			snprintf(port, psize, "%s", colon + 1);
			*colon = '\0';
		}
		if (buf[0] == '[') {
			buf[strlen(buf) - 1] = '\0';
			snprintf(host, hsize, "%s", buf + 1);
			return;
		}
	} else if (a->kind == ADDR_UNIX && !strncmp(buf, "unix@", 5)) {
		snprintf(host, hsize, "%s", buf + 5);
		return;
	}
	snprintf(host, hsize, "%s", buf);
}

/* The command's environment being built: variables in <vars>, their text
 * in <text>.
 */
struct extchk_env {
	char text[EXTCHK_ENV_BYTES];   /* "NAME=value" strings */
	size_t used;                   /* bytes of <text> used */
	char **vars;                   /* EXTCHK_ENV_MAX + 1 pointers */
	size_t n;                      /* variables set */
	int overflow;                  /* <text> or <vars> was too small */
};

/* Appends a "NAME=value" variable formatted from <fmt> to <e>. */
static void env_add(struct extchk_env *e, const char *fmt, ...) PRINTF_FMT(2, 3);

static void env_add(struct extchk_env *e, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (e->overflow || e->n >= EXTCHK_ENV_MAX) {
		e->overflow = 1;
		return;
	}
	va_start(ap, fmt);
	w = vsnprintf(e->text + e->used, sizeof(e->text) - e->used, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(e->text) - e->used) {
		e->overflow = 1;
		return;
	}
	e->vars[e->n++] = e->text + e->used;
	e->used += (size_t)w + 1;
}

int extchk_spawn(const struct server *srv, pid_t *pid)
{
	const struct proxy *px = srv->proxy;
	char pxhost[ADDR_STRLEN] = "", pxport[8] = "", svhost[ADDR_STRLEN], svport[8];
	char *env[EXTCHK_ENV_MAX + 1];
	struct extchk_env e = { .vars = env };
	const struct listener *l = NULL;
	char *argv[6], **envp = env, **big = NULL;
	size_t n, extra = 0;
	int ret, fd;

	if (!global.insecure_fork)
		return -EPERM;
	if ((px->cap & PR_CAP_FE) && !list_empty(&px->listeners))
		l = list_elem(px->listeners.next, struct listener, list);
	if (l && (l->addr.kind == ADDR_INET || l->addr.kind == ADDR_UNIX))
		extchk_addr(&l->addr, pxhost, sizeof(pxhost), pxport, sizeof(pxport));
	extchk_addr(&srv->addr, svhost, sizeof(svhost), svport, sizeof(svport));

	env_add(&e, "PATH=%s", px->extchk_path ? px->extchk_path : "");
	env_add(&e, "HAPROXY_PROXY_ADDR=%s", pxhost);
	env_add(&e, "HAPROXY_PROXY_ID=%d", px->uuid);
	env_add(&e, "HAPROXY_PROXY_NAME=%s", px->id);
	env_add(&e, "HAPROXY_PROXY_PORT=%s", pxport);
	env_add(&e, "HAPROXY_SERVER_ADDR=%s", svhost);
	env_add(&e, "HAPROXY_SERVER_CURCONN=%u", atomic_load(&srv->cur_conns));
	env_add(&e, "HAPROXY_SERVER_ID=%d", srv->puid);
	env_add(&e, "HAPROXY_SERVER_MAXCONN=%u", srv->maxconn);
	env_add(&e, "HAPROXY_SERVER_NAME=%s", srv->id);
	env_add(&e, "HAPROXY_SERVER_PORT=%s", svport);
	env_add(&e, "HAPROXY_SERVER_SSL=0");
	env_add(&e, "HAPROXY_SERVER_PROTO=%s", px->mode == PR_MODE_HTTP ? "h1" : "tcp");
	if (e.overflow)
		return -ENAMETOOLONG;
	env[n = e.n] = NULL;

	/* preserve-env: the process environment after Tollgate's variables
	 * (getenv() in the command finds the first of a name: ours)
	 */
	if (global.external_check == 2) {
		while (environ[extra])
			extra++;
		big = malloc((n + extra + 1) * sizeof(*big));
		if (!big)
			return -ENOMEM;
		memcpy(big, env, n * sizeof(*big));
		memcpy(big + n, environ, (extra + 1) * sizeof(*big));
		envp = big;
	}

	argv[0] = px->extchk_cmd;
	argv[1] = l ? pxhost : "NOT_USED";
	argv[2] = l && *pxport ? pxport : "NOT_USED";
	argv[3] = svhost;
	argv[4] = svport;
	argv[5] = NULL;
	ret = posix_spawn(pid, px->extchk_cmd, NULL, NULL, argv, envp);
	free(big);
	if (ret)
		return -ret;
	fd = pidfd_open(*pid, 0);
	if (fd < 0) {
		ret = -errno;
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);   /* killed: returns at once */
		return ret;
	}
	return fd;
}

int extchk_reap(pid_t pid, int *code)
{
	int st;
	pid_t r = waitpid(pid, &st, WNOHANG);

	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	*code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
	return 1;
}
