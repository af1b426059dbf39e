/* global keywords on the process environment and the node's identity, and
 * the global keywords Tollgate accepts with no effect (a [WARNING] each).
 *
 * setenv, presetenv, resetenv and unsetenv change the environment as the
 * file is read, so that "${NAME}" on the following lines sees the change,
 * as in HAProxy (the lexer expands each line with getenv() when it reads
 * it).
 */
#include <stdlib.h>
#include <string.h>
#include <tollgate/cfg.h>
#include <tollgate/global.h>

extern char **environ;

/* setenv <name> <value> / presetenv <name> <value> (only when unset). */
static int kw_setenv(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc != 3)
		return cfg_set_err(err, "'%s' expects exactly two arguments: a name and a value.", args[0]);
	if (!args[1][0] || strchr(args[1], '='))
		return cfg_set_err(err, "'%s' : invalid variable name '%s'.", args[0], args[1]);
	if (setenv(args[1], args[2], strcmp(args[0], "presetenv") != 0) < 0)
		return cfg_set_err(err, "'%s' : cannot set variable '%s'.", args[0], args[1]);
	return CFG_OK;
}

/* unsetenv [<name>...] */
static int kw_unsetenv(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	for (int i = 1; i < argc; i++)
		if (unsetenv(args[i]) < 0)
			return cfg_set_err(err, "'%s' : cannot unset variable '%s'.", args[0], args[i]);
	return CFG_OK;
}

/* resetenv [<name>...]: removes every variable but the named ones. */
static int kw_resetenv(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	size_t i = 0;

	while (environ && environ[i]) {
		const char *e = environ[i];
		size_t len = strcspn(e, "=");
		int keep = 0;
		char name[256];

		for (int k = 1; k < argc && !keep; k++)
			keep = strlen(args[k]) == len && !strncmp(args[k], e, len);
		if (keep || len >= sizeof(name)) {
			i++;
			continue;
		}
		memcpy(name, e, len);
		name[len] = '\0';
		if (unsetenv(name) < 0)
			return cfg_set_err(err, "'%s' : cannot unset variable '%s'.", args[0], name);
		/* environ[i] now holds the next variable */
	}
	return CFG_OK;
}

/* node <name>: the node name `show info` reports (default: the host name). */
static int kw_node(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc != 2)
		return cfg_set_err(err, "'%s' expects a name as its only argument.", args[0]);
	free(global.node);
	global.node = strdup(args[1]);
	if (!global.node)
		return cfg_set_err(err, "out of memory");
	return CFG_OK;
}

/* Accepted for compatibility; each says why it changes nothing here. */
static const struct {
	const char *kw;
	const char *why;
} no_effect[] = {
	{ "description", "Tollgate shows no description on its stats page or in 'show info'" },
	{ "unix-bind", "UNIX sockets are created with the process's own owner and mode" },
	{ "spread-checks", "health checks are not spread" },
	{ "max-spread-checks", "health checks are not spread" },
	{ "grace", "listeners close at once on a soft stop" },
	{ "maxsslconn", "TLS connections are limited by 'maxconn' only" },
	{ "maxsslrate", "TLS handshakes are not rate-limited" },
	{ "maxpipes", "Tollgate splices through no pipes" },
	{ "busy-polling", "the threads sleep in epoll_wait()" },
	{ "noepoll", "epoll is Tollgate's only poller" },
	{ "nogetaddrinfo", "names are resolved with getaddrinfo() anyway" },
	{ "tune.http.cookielen", "captured cookies are not truncated" },
	{ "tune.http.logurilen", "logged URIs are not truncated to it" },
	{ "tune.h2.fe.initial-window-size", "use 'tune.h2.initial-window-size'" },
	{ "tune.h2.fe.max-total-streams", "HTTP/2 client connections are not closed after a number of streams" },
};

static int kw_no_effect(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	for (size_t i = 0; i < sizeof(no_effect) / sizeof(no_effect[0]); i++)
		if (!strcmp(args[0], no_effect[i].kw))
			return cfg_set_warn(err, "'%s' has no effect in Tollgate: %s.", args[0], no_effect[i].why);
	return CFG_OK;
}

static struct cfg_kw env_kws[] = {
	{ "setenv", kw_setenv, 0 },
	{ "presetenv", kw_setenv, 0 },
	{ "unsetenv", kw_unsetenv, 0 },
	{ "resetenv", kw_resetenv, 0 },
	{ "node", kw_node, 0 },
	{ "description", kw_no_effect, 0 },
	{ "unix-bind", kw_no_effect, 0 },
	{ "spread-checks", kw_no_effect, 0 },
	{ "max-spread-checks", kw_no_effect, 0 },
	{ "grace", kw_no_effect, 0 },
	{ "maxsslconn", kw_no_effect, 0 },
	{ "maxsslrate", kw_no_effect, 0 },
	{ "maxpipes", kw_no_effect, 0 },
	{ "busy-polling", kw_no_effect, 0 },
	{ "noepoll", kw_no_effect, 0 },
	{ "nogetaddrinfo", kw_no_effect, 0 },
	{ "tune.http.cookielen", kw_no_effect, 0 },
	{ "tune.http.logurilen", kw_no_effect, 0 },
	{ "tune.h2.fe.initial-window-size", kw_no_effect, 0 },
	{ "tune.h2.fe.max-total-streams", kw_no_effect, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list env_kw_list = { .scope = "global", .kws = env_kws };

__attribute__((constructor)) static void cfg_global_env_register(void)
{
	cfg_register_keywords(&env_kw_list);
}
