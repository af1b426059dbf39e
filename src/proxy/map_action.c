/*
 * set-map, del-map, add-acl and del-acl. See map_action.h.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/logformat.h>
#include <tollgate/map_action.h>
#include <tollgate/maps.h>

#define MAP_ACT_LEN 8192             /* a rendered key or value, NUL included */

static const struct {
	const char *prefix;          /* action word up to its '(' */
	enum map_act_type type;
} map_actions[] = {
	{ "set-map(", MAP_ACT_SET_MAP },
	{ "del-map(", MAP_ACT_DEL_MAP },
	{ "add-acl(", MAP_ACT_ADD_ACL },
	{ "del-acl(", MAP_ACT_DEL_ACL },
};

enum map_act_type map_action_type(const char *word)
{
	for (size_t i = 0; i < sizeof(map_actions) / sizeof(map_actions[0]); i++)
		if (!strncmp(word, map_actions[i].prefix, strlen(map_actions[i].prefix)))
			return map_actions[i].type;
	return MAP_ACT_NONE;
}

/* Parses the format <text> of action <a> into *<lf>. 0, or -1 with *<err>. */
static int map_action_lf(const char *a, const char *text, unsigned int where, struct logformat **lf,
			 char **err)
{
	char *why = NULL;

	*lf = logformat_parse(text, where, &why);
	if (*lf)
		return 0;
	err_set(err, "'%s' : invalid format '%s': %s.", a, text, why ? why : "parse error");
	free(why);
	return -1;
}

int map_action_parse(struct map_action *ma, unsigned int where, int argc, char **args, int *pos,
		     char **err)
{
	const char *a = args[(*pos)++];
	size_t len = strlen(a);
	int nargs;

	memset(ma, 0, sizeof(*ma));
	ma->type = map_action_type(a);
	nargs = ma->type == MAP_ACT_SET_MAP ? 2 : 1;
	if (len < 10 || a[len - 1] != ')')
		return err_set(err, "'%.7s' expects a file name between parentheses, as in '%.7s(/etc/tollgate/f.map)'.",
			       a, a), -1;
	if (!(ma->file = strndup(a + 8, len - 9)))
		return err_set(err, "out of memory"), -1;
	for (int i = 0; i < nargs; i++)
		if (*pos + i >= argc || !strcmp(args[*pos + i], "if") || !strcmp(args[*pos + i], "unless"))
			return err_set(err, "'%.7s' expects exactly %d argument%s (%s).", a, nargs,
				       nargs > 1 ? "s" : "", nargs > 1 ? "a key and a value" : "a key"), -1;
	if (map_action_lf(a, args[(*pos)++], where, &ma->key, err) < 0)
		return -1;
	if (nargs == 2 && map_action_lf(a, args[(*pos)++], where, &ma->value, err) < 0)
		return -1;
	return 0;
}

void map_action_exec(const struct map_action *ma, struct stream *s)
{
	static __thread char key[MAP_ACT_LEN], val[MAP_ACT_LEN];
	unsigned int first = ma->type == MAP_ACT_ADD_ACL || ma->type == MAP_ACT_DEL_ACL ? PAT_REF_ACL : PAT_REF_MAP;
	struct pat_ref *ref = pat_ref_lookup(ma->file, first);

	if (!ref)
		ref = pat_ref_lookup(ma->file, first == PAT_REF_ACL ? PAT_REF_MAP : PAT_REF_ACL);
	if (!ref)
		return;   /* no map or ACL loads that file: nothing to change (HAProxy) */
	key[logformat_render(ma->key, s, key, sizeof(key) - 1)] = '\0';
	switch (ma->type) {
	case MAP_ACT_SET_MAP:
		val[logformat_render(ma->value, s, val, sizeof(val) - 1)] = '\0';
		pat_ref_put(ref, key, val, 1, NULL);
		break;
	case MAP_ACT_ADD_ACL:
		pat_ref_put(ref, key, "", 0, NULL);
		break;
	case MAP_ACT_DEL_MAP:
	case MAP_ACT_DEL_ACL:
		pat_ref_del(ref, key, NULL);
		break;
	case MAP_ACT_NONE:
		break;
	}
}

void map_action_free(struct map_action *ma)
{
	free(ma->file);
	logformat_free(ma->key);
	logformat_free(ma->value);
	memset(ma, 0, sizeof(*ma));
}
