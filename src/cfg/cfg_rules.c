/*
 * Rule keywords of proxy sections: `acl`, and the `if|unless` conditions
 * shared by every rule keyword (cfg_proxy_parse_cond(), and
 * cfg_proxy_check_cond() for the place they are used at).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/acl.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/proxy.h>

int cfg_proxy_parse_cond(struct cfg_ctx *ctx, struct proxy *px, int argc, char **args,
                         struct acl_cond **cond, char **err)
{
	char *why = NULL;

	if (strcmp(args[0], "if") && strcmp(args[0], "unless"))
		return cfg_set_err(err, "expected 'if' or 'unless' followed by a condition, got '%s'.", args[0]);
	if (argc < 2)
		return cfg_set_err(err, "missing condition after '%s'.", args[0]);
	*cond = cond_parse(&px->acls, argc, args, NULL, &why);
	if (!*cond) {
		cfg_set_err(err, "%s", why ? why : "invalid condition");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

void cfg_proxy_check_cond(struct cfg_ctx *ctx, const struct proxy *px, const struct acl_cond *cond,
                          unsigned int where, const char *rule, const char *place)
{
	char buf[80], *msg = NULL;

	if (!cond)
		return;
	if (!place) {
		snprintf(buf, sizeof(buf), "%s %s rule", px->cap & PR_CAP_FE ? "frontend" : "backend",
			 where == SMP_USE_HTTP_REQ ? "http-request header" :
			 where == SMP_USE_HTTP_RES ? "http-response header" : rule);
		place = buf;
	}
	if (cond_check_use(cond, where, rule, place, &msg) < 0)
		cfg_warn(ctx, "%s", msg);
	free(msg);
}

static int kw_acl(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	char *why = NULL;

	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "'acl' is not allowed in 'defaults' sections.");
	if (argc < 3)
		return cfg_set_err(err, "'acl' expects a name and a criterion.");
	if (acl_parse_line(&px->acls, argc, args, &why) < 0) {
		cfg_set_err(err, "%s", why ? why : "invalid ACL");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

static struct cfg_kw rules_kws[] = {
	{ "acl", kw_acl, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list rules_kw_list = { .scope = "proxy", .kws = rules_kws };

__attribute__((constructor)) static void cfg_rules_register(void)
{
	cfg_register_keywords(&rules_kw_list);
}
