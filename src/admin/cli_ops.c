/*
 * Admin socket commands for operators' everyday changes, as HAProxy 3.x:
 * echo, show env, get/set weight, set maxconn global|frontend.
 *
 * Limits (global.maxconn, a frontend's maxconn) are read by the accept
 * path of every worker without a lock: they change under thread
 * isolation, then the listeners that stopped at a limit are woken
 * (listeners_recheck_limits()) so that a raised limit takes effect at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cli.h>
#include <tollgate/global.h>
#include <tollgate/isolate.h>
#include <tollgate/listener.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>

extern char **environ;

/* The process-wide maxconn at start-up: HAProxy's hard limit for `set
 * maxconn global` (the descriptors were sized for it).
 */
static unsigned int hard_maxconn;

/* echo <text>: the words, separated by one space. */
static int parse_echo(struct cli_session *s, int argc, char **args)
{
	for (int i = 1; i < argc; i++)
		if (cli_printf(s, "%s%s", i > 1 ? " " : "", args[i]) < 0)
			return cli_err(s, "Output buffer too short.\n");
	cli_printf(s, "\n");
	return CLI_DONE;
}

/* Dump position of show env: the next variable. */
struct env_ctx {
	char **var;                  /* next variable */
	int one;                     /* only this one */
};

static int parse_show_env(struct cli_session *s, int argc, char **args)
{
	struct env_ctx *c = cli_ctx(s);

	c->var = environ;
	if (argc > 2) {
		size_t len = strlen(args[2]);

		for (; *c->var; c->var++)
			if (!strncmp(*c->var, args[2], len) && (*c->var)[len] == '=')
				break;
		if (!*c->var)
			return cli_err(s, "Variable not found\n");
		c->one = 1;
	}
	return CLI_DUMP;
}

static int dump_show_env(struct cli_session *s)
{
	struct env_ctx *c = cli_ctx(s);

	for (; c->var && *c->var; c->var++) {
		if (cli_printf(s, "%s\n", *c->var) < 0)
			return 0;
		if (c->one)
			return 1;
	}
	return 1;
}

/* get weight <backend>/<server>: "<current> (initial <configured>)". */
static int parse_get_weight(struct cli_session *s, int argc, char **args)
{
	struct server *sv = cli_find_server(s, argc > 2 ? args[2] : NULL);

	if (sv)
		cli_printf(s, "%u (initial %u)\n", sv->uweight, sv->iweight);
	return CLI_DONE;
}

/* set weight <backend>/<server> <weight>[%] */
static int parse_set_weight(struct cli_session *s, int argc, char **args)
{
	struct server *sv = cli_find_server(s, argc > 2 ? args[2] : NULL);

	return sv ? cli_server_set_weight(s, sv, argc > 3 ? args[3] : NULL) : CLI_DONE;
}

/* set maxconn global <n>: 0 or less means the start-up limit, above it is
 * refused (the descriptors were sized for it), as HAProxy.
 */
static int parse_set_maxconn_global(struct cli_session *s, int argc, char **args)
{
	long v;

	if (argc < 4)
		return cli_err(s, "Expects an integer value.\n");
	if (!hard_maxconn)
		hard_maxconn = global.maxconn;
	v = atol(args[3]);
	if (v > (long)hard_maxconn)
		return cli_err(s, "Value out of range.\n");
	if (v <= 0)
		v = hard_maxconn;
	thread_isolate();
	global.maxconn = (unsigned int)v;
	thread_release();
	listeners_recheck_limits();
	return CLI_DONE;
}

/* set maxconn frontend <frontend> <n> */
static int parse_set_maxconn_frontend(struct cli_session *s, int argc, char **args)
{
	struct proxy *fe;
	long v;

	if (argc < 4)
		return cli_err(s, "A frontend name is expected.\n");
	fe = proxy_find(args[3], PR_CAP_FE);
	if (!fe)
		return cli_err(s, "No such frontend.\n");
	if (argc < 5)
		return cli_err(s, "Integer value expected.\n");
	v = atol(args[4]);
	if (v < 0)
		return cli_err(s, "Value out of range.\n");
	thread_isolate();
	fe->maxconn = (unsigned int)v;
	thread_release();
	listeners_recheck_limits();
	return CLI_DONE;
}

/* set rate-limit connections|sessions global <value> */
static int parse_set_rate_limit(struct cli_session *s, int argc, char **args)
{
	int conn = argc > 3 && !strcmp(args[2], "connections") && !strcmp(args[3], "global");
	int sess = argc > 3 && !strcmp(args[2], "sessions") && !strcmp(args[3], "global");

	if (!conn && !sess)
		return cli_err(s, "'set rate-limit' only supports :\n"
			       "   - 'connections global' to set the per-process maximum connection rate\n"
			       "   - 'sessions global' to set the per-process maximum session rate\n");
	if (argc < 5)
		return cli_err(s, "Expects an integer value.\n");
	/* as HAProxy: atoi(), so that a bad value is 0 (no limit) */
	atomic_store(conn ? &global.maxconnrate : &global.maxsessrate,
		     (unsigned int)(atoi(args[4]) > 0 ? atoi(args[4]) : 0));
	listeners_recheck_limits();
	return CLI_DONE;
}

/* enable|disable frontend <frontend> */
static int parse_frontend_enable(struct cli_session *s, int argc, char **args)
{
	int pause = !strcmp(args[0], "disable");
	struct proxy *fe;
	int ret;

	if (argc < 3)
		return cli_err(s, "A frontend name is expected.\n");
	fe = proxy_find(args[2], PR_CAP_FE);
	if (!fe)
		return cli_err(s, "No such frontend.\n");
	ret = listeners_pause_frontend(fe, pause);
	if (ret == -EALREADY)
		return cli_msg(s, pause ? "All sockets are already disabled.\n" : "All sockets are already enabled.\n");
	if (ret < 0)
		return cli_err(s, "Failed to resume frontend, check logs for precise cause.\n");
	return CLI_DONE;
}

static struct cli_kw ops_kws[] = {
	{ { "echo", NULL }, "echo <text>                             : print text to the output",
	  CLI_LVL_USER, parse_echo, NULL, NULL, NULL },
	{ { "show", "env", NULL }, "show env [var]                          : dump environment variables known to the process",
	  CLI_LVL_OPER, parse_show_env, dump_show_env, NULL, NULL },
	{ { "get", "weight", NULL }, "get weight <bk>/<srv>                   : report a server's current weight",
	  CLI_LVL_USER, parse_get_weight, NULL, NULL, NULL },
	{ { "set", "weight", NULL }, "set weight <bk>/<srv>  (DEPRECATED)     : change a server's weight (use 'set server' instead)",
	  CLI_LVL_ADMIN, parse_set_weight, NULL, NULL, NULL },
	{ { "set", "maxconn", "global", NULL }, "set maxconn global <value>              : change the per-process maxconn setting",
	  CLI_LVL_ADMIN, parse_set_maxconn_global, NULL, NULL, NULL },
	{ { "set", "maxconn", "frontend", NULL }, "set maxconn frontend <frontend> <value> : change a frontend's maxconn setting",
	  CLI_LVL_ADMIN, parse_set_maxconn_frontend, NULL, NULL, NULL },
	{ { "set", "rate-limit", NULL }, "set rate-limit <setting> <value>        : change a rate limiting value",
	  CLI_LVL_ADMIN, parse_set_rate_limit, NULL, NULL, NULL },
	{ { "disable", "frontend", NULL }, "disable frontend <frontend>             : temporarily disable specific frontend",
	  CLI_LVL_ADMIN, parse_frontend_enable, NULL, NULL, NULL },
	{ { "enable", "frontend", NULL }, "enable frontend <frontend>              : re-enable specific frontend",
	  CLI_LVL_ADMIN, parse_frontend_enable, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list ops_kw_list = { ops_kws, NULL };

__attribute__((constructor)) static void cli_ops_register(void)
{
	cli_register(&ops_kw_list);
}
