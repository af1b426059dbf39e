/*
 * Proxy keywords of unique request ids (unique_id.h):
 *   unique-id-format <fmt>    defaults, frontend, listen
 *   unique-id-header <name>   defaults, frontend, listen
 * The format is compiled once the frontend is complete
 * (unique_id_finalize()); one from a defaults section is inherited.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg.h>
#include <tollgate/proxy.h>

/* Joins args[1..argc-1] with single spaces (unquoted words of a format). */
static char *join_words(int argc, char **args)
{
	size_t len = 0;
	char *s;

	for (int i = 1; i < argc; i++)
		len += strlen(args[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			strcat(s, " ");
		strcat(s, args[i]);
	}
	return s;
}

static int kw_unique_id(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	int is_fmt = !strcmp(args[0], "unique-id-format");
	char **slot = is_fmt ? &px->uid_format : &px->uid_header;
	char *v;

	if (argc < 2)
		return cfg_set_err(err, "'%s' expects %s.", args[0],
				   is_fmt ? "a format string (quote it when it holds spaces)" : "a header name");
	if (!is_fmt && argc > 2)
		return cfg_set_err(err, "'%s' expects one header name, got '%s' after it.", args[0], args[2]);
	if (!(px->cap & (PR_CAP_FE | PR_CAP_DEF)))
		return cfg_set_warn(err, "'%s' ignored in backend '%s': ids are made by frontends.", args[0], px->id);
	v = is_fmt ? join_words(argc, args) : strdup(args[1]);
	if (!v)
		return cfg_set_err(err, "out of memory");
	free(*slot);
	*slot = v;
	return CFG_OK;
}

static struct cfg_kw unique_id_kws[] = {
	{ "unique-id-format", kw_unique_id, 0 },
	{ "unique-id-header", kw_unique_id, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list unique_id_kw_list = { .scope = "proxy", .kws = unique_id_kws };

__attribute__((constructor)) static void cfg_unique_id_register(void)
{
	cfg_register_keywords(&unique_id_kw_list);
}
