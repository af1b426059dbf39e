/* The server-state file keywords (server_state.h): `server-state-file`
 * and `server-state-base` (global), `load-server-state-from-file`
 * (defaults, backend, listen) and `server-state-file-name` (backend,
 * listen).
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/global.h>
#include <tollgate/proxy.h>
#include <tollgate/server_state.h>

/* server-state-file <file> / server-state-base <directory> */
static int kw_state_path(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	char **dst = !strcmp(args[0], "server-state-file") ? &global.server_state_file : &global.server_state_base;

	if (argc != 2 || !*args[1])
		return cfg_set_err(err, "'%s' expects one argument: a %s.", args[0],
		                   dst == &global.server_state_file ? "file path" : "directory path");
	free(*dst);
	*dst = strdup(args[1]);
	return *dst ? CFG_OK : cfg_set_err(err, "out of memory");
}

/* load-server-state-from-file global|local|none */
static int kw_load_state(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (argc != 2)
		return cfg_set_err(err, "'%s' expects 'global', 'local' or 'none'. Got no argument.", args[0]);
	if (!strcmp(args[1], "global"))
		px->srv_state_load = PR_SRV_STATE_GLOBAL;
	else if (!strcmp(args[1], "local"))
		px->srv_state_load = PR_SRV_STATE_LOCAL;
	else if (!strcmp(args[1], "none"))
		px->srv_state_load = PR_SRV_STATE_NONE;
	else
		return cfg_set_err(err, "'%s' expects 'global', 'local' or 'none'. Got '%s'", args[0], args[1]);
	return CFG_OK;
}

/* server-state-file-name [use-backend-name | <file>] */
static int kw_state_file_name(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (cfg_proxy_refuse_in_defaults(ctx, args, err) < 0 || cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (argc > 2)
		return cfg_set_err(err, "'%s' expects at most one argument: 'use-backend-name' or a file name.", args[0]);
	free(px->srv_state_file_name);
	px->srv_state_file_name = NULL;
	if (argc == 2 && strcmp(args[1], "use-backend-name") && !(px->srv_state_file_name = strdup(args[1])))
		return cfg_set_err(err, "out of memory");
	return CFG_OK;
}

static struct cfg_kw global_kws[] = {
	{ "server-state-file", kw_state_path, 0 },
	{ "server-state-base", kw_state_path, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw proxy_kws[] = {
	{ "load-server-state-from-file", kw_load_state, 0 },
	{ "server-state-file-name", kw_state_file_name, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list global_list = { .scope = "global", .kws = global_kws };
static struct cfg_kw_list proxy_list = { .scope = "proxy", .kws = proxy_kws };

__attribute__((constructor)) static void cfg_srvstate_register(void)
{
	cfg_register_keywords(&global_list);
	cfg_register_keywords(&proxy_list);
}
