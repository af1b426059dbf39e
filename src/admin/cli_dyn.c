/*
 * Admin socket commands that change what a running configuration routes
 * to: `add server` and `del server`, `add backend` and `show defaults`,
 * `publish backend` and `unpublish backend` (HAProxy 3.x's syntax and
 * messages). The work and its thread safety are in proxy/server_dyn.c and
 * proxy/proxy_dyn.c; this file only splits the arguments and words the
 * answers. A backend's publication is one atomic
 * flag that content switching reads (stream.c).
 *
 * Commands run on the CLI's worker (cli.c); server_dyn_add() and
 * server_dyn_delete() take thread isolation themselves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg.h>
#include <tollgate/cli.h>
#include <tollgate/log.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/proxy.h>
#include <tollgate/proxy_dyn.h>
#include <tollgate/server.h>

/* Finds the backend of "<backend>/<server>" in <arg> and points *<sv_name>
 * to the server part; writes HAProxy's error and returns NULL if there is
 * no '/' or server part, or no such backend.
 */
static struct proxy *backend_of(struct cli_session *s, const char *arg, const char **sv_name)
{
	const char *slash = arg ? strchr(arg, '/') : NULL;
	char be_name[256];
	struct proxy *be;

	if (!slash || !slash[1] || (size_t)(slash - arg) >= sizeof(be_name)) {
		cli_err(s, "Require 'backend/server'.\n");
		return NULL;
	}
	memcpy(be_name, arg, (size_t)(slash - arg));
	be_name[slash - arg] = '\0';
	be = proxy_find(be_name, PR_CAP_BE);
	if (!be)
		cli_err(s, "No such backend.\n");
	*sv_name = slash + 1;
	return be;
}

/* The keywords `add server` accepts (`add server help`). */
static const char *const dyn_keywords[] = {
	"addr", "agent-addr", "agent-inter", "agent-port", "agent-send", "backup", "cookie",
	"disabled", "downinter", "error-limit", "fall", "fastinter", "id", "inter", "maxconn",
	"no-backup", "observe", "on-error", "pool-max-conn",
	"port", "proto", "proxy-v2-options", "rise", "send-proxy", "send-proxy-v2",
	"set-proxy-v2-tlv-fmt", "slowstart", "track", "weight", NULL
};

/* add server <backend>/<server> <addr>[:<port>] [options]
 * add server help
 */
static int parse_add_server(struct cli_session *s, int argc, char **args)
{
	char *sargs[CLI_MAX_ARGS + 2], reason[300], *why = NULL;
	const char *sv_name;
	struct server *srv;
	struct proxy *be;
	int n = 0;

	if (argc > 2 && !strcmp(args[2], "help")) {
		for (int i = 0; dyn_keywords[i]; i++)
			if (cli_printf(s, "%s\n", dyn_keywords[i]) < 0)
				break;
		return CLI_DONE;
	}
	be = backend_of(s, argc > 2 ? args[2] : NULL, &sv_name);
	if (!be)
		return CLI_DONE;
	if (!server_dyn_supported(be, reason, sizeof(reason))) {
		cli_sevf(s, CLI_SEV_ERR, "Backend does not support dynamic servers : %s.\n", reason);
		return CLI_DONE;
	}
	/* the server line's words: "server" <name> <addr> [options] */
	sargs[n++] = "server";
	sargs[n++] = (char *)sv_name;
	for (int i = 3; i < argc && n < CLI_MAX_ARGS + 1; i++)
		sargs[n++] = args[i];
	sargs[n] = NULL;
	srv = server_dyn_add(be, n, sargs, &why);
	if (!srv) {
		cli_printf(s, "%s\n", why ? why : "out of memory");
		free(why);
		return CLI_DONE;
	}
	log_notice("New server registered: %s/%s.", be->id, srv->id);
	return cli_msg(s, "New server registered.\n");
}

/* del server <backend>/<server> */
static int parse_del_server(struct cli_session *s, int argc, char **args)
{
	const char *sv_name, *msg = NULL;
	struct proxy *be = backend_of(s, argc > 2 ? args[2] : NULL, &sv_name);

	if (!be)
		return CLI_DONE;
	if (server_dyn_delete(be, sv_name, &msg) > 0)
		log_notice("Server deleted: %s/%s.", be->id, sv_name);
	cli_printf(s, "%s\n", msg);
	return CLI_DONE;
}

/* add backend <name> from <defaults> [mode <mode>] [guid <guid>] */
static int parse_add_backend(struct cli_session *s, int argc, char **args)
{
	enum pr_mode mode = PR_MODE_TCP;
	int mode_set = 0, guid_set = 0;
	struct proxy *be;
	char *why = NULL;

	if (argc < 3 || !*args[2])
		return cli_err(s, "Require backend name.\n");
	if (argc < 5 || strcmp(args[3], "from") || !*args[4])
		return cli_err(s, "Usage: add backend <name> from <defproxy>.\n");
	for (int i = 5; i < argc; i += 2) {
		if (i + 1 < argc && !mode_set && !strcmp(args[i], "mode")) {
			if (!strcmp(args[i + 1], "tcp"))
				mode = PR_MODE_TCP;
			else if (!strcmp(args[i + 1], "http"))
				mode = PR_MODE_HTTP;
			else if (!strcmp(args[i + 1], "log") || !strcmp(args[i + 1], "spop") ||
			         !strcmp(args[i + 1], "health") || !strcmp(args[i + 1], "peers"))
				return cli_err(s, "Dynamic backends are compatible with only TCP or HTTP mode.\n");
			else
				return cli_err(s, "Unknown proxy mode.\n");
			mode_set = 1;
		} else if (i + 1 < argc && !guid_set && !strcmp(args[i], "guid")) {
			guid_set = 1;   /* accepted; Tollgate has no GUID index */
		} else {
			return cli_err(s, "Usage: add backend <name> from <defproxy> [mode <px_mode>] [guid <val>].\n");
		}
	}
	be = proxy_dyn_add(args[2], args[4], mode, mode_set, &why);
	if (!be) {
		cli_printf(s, "%s\n", why ? why : "out of memory");
		free(why);
		return CLI_DONE;
	}
	log_notice("New backend registered: %s.", be->id);
	return cli_msg(s, "New backend registered.\n");
}

/* show defaults: the named defaults sections, in declaration order */
static int parse_show_defaults(struct cli_session *s, int argc, char **args)
{
	const struct proxy *def;

	(void)argc;
	(void)args;
	for (int i = 0; (def = cfg_defaults_nth(i)); i++)
		if (*def->id && cli_printf(s, "%s\n", def->id) < 0)
			break;
	return CLI_DONE;
}

/* publish backend <backend> / unpublish backend <backend> */
static int parse_publish_backend(struct cli_session *s, int argc, char **args)
{
	int publish = !strcmp(args[0], "publish");
	struct proxy *be = argc > 2 ? proxy_find(args[2], PR_CAP_BE) : NULL;

	if (!be)
		return cli_err(s, "No such backend.\n");
	if (be->disabled)
		return cli_msg(s, "No effect on a disabled backend.\n");
	atomic_store(&be->unpublished, !publish);
	log_notice("Backend %s %s by the admin socket.", be->id, publish ? "published" : "unpublished");
	return cli_msg(s, publish ? "Backend published.\n" : "Backend unpublished.\n");
}

static struct cli_kw dyn_kws[] = {
	{ { "add", "server", NULL }, "add server <bk>/<srv>                   : create a new server",
	  CLI_LVL_ADMIN, parse_add_server, NULL, NULL, NULL },
	{ { "del", "server", NULL }, "del server <bk>/<srv>                   : remove a dynamically added server",
	  CLI_LVL_ADMIN, parse_del_server, NULL, NULL, NULL },
	{ { "add", "backend", NULL }, "add backend <backend>                   : add a new backend",
	  CLI_LVL_ADMIN, parse_add_backend, NULL, NULL, NULL },
	{ { "show", "defaults", NULL }, "show defaults                           : list all proxies defaults sections",
	  CLI_LVL_USER, parse_show_defaults, NULL, NULL, NULL },
	{ { "publish", "backend", NULL }, "publish backend <bk>                    : activate content switching to a backend",
	  CLI_LVL_ADMIN, parse_publish_backend, NULL, NULL, NULL },
	{ { "unpublish", "backend", NULL }, "unpublish backend <bk>                  : deactivate content switching to a backend",
	  CLI_LVL_ADMIN, parse_publish_backend, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list dyn_kw_list = { dyn_kws, NULL };

__attribute__((constructor)) static void cli_dyn_register(void)
{
	cli_register(&dyn_kw_list);
}
