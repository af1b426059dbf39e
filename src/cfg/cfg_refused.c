/*
 * What Tollgate refuses on purpose: HAProxy keywords and sections of
 * features it does not have (TLS, HTTP/2, Lua, SPOE and other filters, the
 * HTTP cache, compression). Each is refused with one line naming the
 * keyword and the missing feature, at its file:line, instead of "unknown
 * keyword" (which suggests a typo). A refused section reports its header
 * line only; the lines inside are skipped.
 */
#include <string.h>

#include <tollgate/cfg.h>

/* The feature a refused keyword or section belongs to. */
static const struct {
	const char *name;            /* keyword or section */
	const char *feature;         /* what Tollgate lacks */
} refused[] = {
	{ "lua-load", "Lua" }, { "lua-load-per-thread", "Lua" }, { "lua-prepend-path", "Lua" },
	{ "tune.lua.maxmem", "Lua" }, { "tune.lua.session-timeout", "Lua" },
	{ "tune.lua.forced-yield", "Lua" }, { "tune.lua.service-timeout", "Lua" },
	{ "ssl-dh-param-file", "custom DH parameters (DHE uses the library's own)" },
	{ "ssl-engine", "OpenSSL engines" }, { "crt-store", "crt-store sections" },
	{ "filter", "filters (SPOE, compression, cache, bandwidth limitation, trace)" },
	{ "compression", "HTTP compression" },
	{ "cache", "HTTP cache" },
};

static const char *feature_of(const char *name)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (!strcmp(refused[i].name, name))
			return refused[i].feature;
	return "this feature";
}

static int kw_refused(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (!strcmp(args[0], "filter") && argc > 1)
		return cfg_set_err(err, "'filter %s' is not supported: Tollgate has no %s.", args[1],
		                   !strcmp(args[1], "spoe") ? "SPOE (stream processing offload)" :
		                   !strcmp(args[1], "compression") ? "HTTP compression" :
		                   !strcmp(args[1], "cache") ? "HTTP cache" : "filters");
	return cfg_set_err(err, "'%s' is not supported: Tollgate has no %s.", args[0], feature_of(args[0]));
}

static int section_refused(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	return cfg_set_err(err, "'%s' sections are not supported: Tollgate has no %s.", args[0], feature_of(args[0]));
}

static struct cfg_kw global_refused_kws[] = {
	{ "lua-load", kw_refused, 0 }, { "lua-load-per-thread", kw_refused, 0 },
	{ "lua-prepend-path", kw_refused, 0 }, { "tune.lua.maxmem", kw_refused, 0 },
	{ "tune.lua.session-timeout", kw_refused, 0 }, { "tune.lua.forced-yield", kw_refused, 0 },
	{ "tune.lua.service-timeout", kw_refused, 0 },
	{ "ssl-dh-param-file", kw_refused, 0 }, { "ssl-engine", kw_refused, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw proxy_refused_kws[] = {
	{ "filter", kw_refused, 0 },
	{ "compression", kw_refused, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list global_refused = { .scope = "global", .kws = global_refused_kws };
static struct cfg_kw_list proxy_refused = { .scope = "proxy", .kws = proxy_refused_kws };
static struct cfg_section sec_cache = { .name = "cache", .begin = section_refused };
static struct cfg_section sec_crt_store = { .name = "crt-store", .begin = section_refused };

__attribute__((constructor)) static void cfg_refused_register(void)
{
	cfg_register_keywords(&global_refused);
	cfg_register_keywords(&proxy_refused);
	cfg_register_section(&sec_cache);
	cfg_register_section(&sec_crt_store);
}
