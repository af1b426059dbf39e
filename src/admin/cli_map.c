/*
 * Admin socket commands on maps and ACLs, HAProxy's (management.txt 9.3),
 * one set of parsers for both kinds of pattern references (maps.h):
 *   show map|acl [[@<ver>] <ref>]     list the references, or the entries of one
 *   add map [@<ver>] <map> <key> <value> | add map [@<ver>] <map> <<payload
 *   add acl [@<ver>] <acl> <pattern>
 *   set map <map> <key>|#<ref> <value>
 *   del map|acl <ref> <key>|#<ref>
 *   clear map|acl [@<ver>] <ref>
 *   get map|acl <ref> <value>
 *   prepare map|acl <ref> / commit map|acl @<ver> <ref>
 * <ref> is the file name as the configuration wrote it, or "#<id>" (the
 * only name of an ACL test's own patterns). The changes are maps.h's: the
 * converters and the ACL tests see them at once, swapped in under thread
 * isolation. The answers are HAProxy 2.6's, word for word.
 *
 * A dump writes as many lines as the output buffer takes and resumes at
 * the next entry once the client has read. A change made by another
 * session meanwhile may make it skip or repeat entries (never crash: the
 * position is an index checked against the current size).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cli.h>
#include <tollgate/maps.h>
#include <tollgate/patset.h>

struct map_ctx {
	struct pat_ref *map;            /* reference being dumped, or the next one listed */
	size_t next;                    /* dump: next entry */
	unsigned int ver;               /* dump: version shown */
	unsigned int kind;              /* PAT_REF_MAP or PAT_REF_ACL */
	int list;                       /* 1: list the references, 0: dump <map> */
};

/* The kind of reference a command works on: its second word. */
static unsigned int cmd_kind(char **args)
{
	return strcmp(args[1], "acl") == 0 ? PAT_REF_ACL : PAT_REF_MAP;
}

/* "map" or "ACL", as HAProxy's messages name them. */
static const char *kind_name(unsigned int kind)
{
	return kind == PAT_REF_ACL ? "ACL" : "map";
}

/* Answers that the reference named in a command of <kind> is unknown. */
static int unknown_ref(struct cli_session *s, unsigned int kind)
{
	cli_sevf(s, CLI_SEV_ERR, "Unknown %s identifier. Please use #<id> or <file>.\n", kind_name(kind));
	return CLI_DONE;
}

/* Lists the references from c->map on. */
static int dump_map_list(struct cli_session *s, struct map_ctx *c)
{
	for (; c->map; c->map = (struct pat_ref *)pat_ref_next(c->map, c->kind)) {
		if (cli_printf(s, "%u (%s) %s. curr_ver=%u next_ver=%u entry_cnt=%zu\n",
			       pat_ref_id(c->map), pat_ref_path(c->map), pat_ref_display(c->map),
			       pat_ref_curr_ver(c->map), pat_ref_next_ver(c->map),
			       pat_ref_size(c->map)) < 0)
			return 0;
	}
	return 1;
}

static int dump_map(struct cli_session *s)
{
	struct map_ctx *c = cli_ctx(s);

	if (c->list)
		return dump_map_list(s, c);
	for (; c->next < pat_ref_size(c->map); c->next++) {
		const char *key, *value;
		unsigned int gen;
		const void *e = pat_ref_entry(c->map, c->next, &key, &value, &gen);
		int ret;

		if (gen != c->ver)
			continue;
		ret = c->kind == PAT_REF_ACL ? cli_printf(s, "%p %s\n", e, key)
					     : cli_printf(s, "%p %s %s\n", e, key, value);
		if (ret == 0)
			continue;
		if (cli_output_pending(s))
			return 0;   /* again once the client has read */
		/* longer than the whole buffer: it would never fit */
		cli_printf(s, "%p <entry longer than the output buffer>\n", e);
	}
	return 1;
}

/* Parses an optional "@<ver>" at args[*i], advancing *i past it. Returns
 * 1 with *<ver> set, 0 if there is none, -1 (answer written) if it is not
 * a number.
 */
static int parse_ver(struct cli_session *s, int argc, char **args, int *i, unsigned int *ver)
{
	char *end;

	if (*i >= argc || args[*i][0] != '@')
		return 0;
	*ver = (unsigned int)strtoul(args[*i] + 1, &end, 10);
	if (!args[*i][1] || *end) {
		cli_err(s, "Version number must be a decimal number after '@'.\n");
		return -1;
	}
	(*i)++;
	return 1;
}

/* Answers a failed change: <err> if set, else <msg>. */
static int change_failed(struct cli_session *s, char *err, const char *msg)
{
	if (err) {
		cli_sevf(s, CLI_SEV_ERR, "%s.\n", err);
		free(err);
		return CLI_DONE;
	}
	return cli_err(s, msg);
}

static int parse_show_map(struct cli_session *s, int argc, char **args)
{
	struct map_ctx *c = cli_ctx(s);
	int i = 2, has_ver;

	c->kind = cmd_kind(args);
	if (argc < 3) {
		c->list = 1;
		c->map = (struct pat_ref *)pat_ref_next(NULL, c->kind);
		cli_printf(s, "# id (file) description\n");
		return CLI_DUMP;
	}
	has_ver = parse_ver(s, argc, args, &i, &c->ver);
	if (has_ver < 0)
		return CLI_DONE;
	c->map = i < argc ? pat_ref_lookup(args[i], c->kind) : NULL;
	if (!c->map)
		return unknown_ref(s, c->kind);
	if (!has_ver)
		c->ver = pat_ref_curr_ver(c->map);
	return CLI_DUMP;
}

/* Adds the "key value" lines of <payload> to version <ver> of <m>. */
static int add_payload(struct cli_session *s, struct pat_ref *m, unsigned int ver,
		       const char *payload)
{
	char *copy = strdup(payload), *line, *next, *err = NULL;

	if (!copy)
		return cli_err(s, "Out of memory.\n");
	for (line = copy; line && *line; line = next) {
		char *key, *value, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		key = line + strspn(line, " \t");
		if (!*key)
			continue;
		value = key + strcspn(key, " \t");
		if (*value)
			*value++ = '\0';
		value += strspn(value, " \t");
		end = value + strlen(value);
		while (end > value && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (pat_ref_add(m, ver, key, value, &err) < 0) {
			free(copy);
			return change_failed(s, err, "Out of memory.\n");
		}
	}
	free(copy);
	return CLI_DONE;
}

static int parse_add_map(struct cli_session *s, int argc, char **args)
{
	const char *payload = cli_payload(s);
	unsigned int kind = cmd_kind(args), ver = 0;
	struct pat_ref *m;
	char *err = NULL;
	int i = 2, has_ver = parse_ver(s, argc, args, &i, &ver);

	if (has_ver < 0)
		return CLI_DONE;
	if (kind == PAT_REF_ACL && argc < i + 2)
		return cli_err(s, "'add acl' expects two parameters: ACL identifier and pattern.\n");
	if (kind == PAT_REF_MAP && !(argc == i + 3 || (argc == i + 1 && payload)))
		return cli_err(s, "'add map' expects three parameters (map identifier, key and value) or one parameter (map identifier) and a payload\n");
	m = pat_ref_lookup(args[i], kind);
	if (!m)
		return unknown_ref(s, kind);
	if (!has_ver)
		ver = pat_ref_curr_ver(m);
	else if ((int)(ver - pat_ref_next_ver(m)) > 0)
		return cli_msg(s, kind == PAT_REF_ACL ? "Version number in the future, please use 'prepare acl' before.\n"
						      : "Version number in the future, please use 'prepare map' before.\n");
	if (kind == PAT_REF_MAP && argc == i + 1)
		return add_payload(s, m, ver, payload);
	if (pat_ref_add(m, ver, args[i + 1], kind == PAT_REF_ACL ? "" : args[i + 2], &err) < 0)
		return change_failed(s, err, "Out of memory.\n");
	return CLI_DONE;
}

/* set map <map> <key>|#<ref> <value> / del map|acl <ref> <key>|#<ref> */
static int parse_set_del_map(struct cli_session *s, int argc, char **args)
{
	int set = strcmp(args[0], "set") == 0;
	unsigned int kind = cmd_kind(args);
	struct pat_ref *m;
	char *err = NULL;
	int ret;

	if (set && argc != 5)
		return cli_err(s, "'set map' expects three parameters: map identifier, key and value.\n");
	if (!set && argc < 4) {
		cli_sevf(s, CLI_SEV_ERR, "This command expects two parameters: %s identifier and key.\n", kind_name(kind));
		return CLI_DONE;
	}
	m = pat_ref_lookup(args[2], kind);
	if (!m)
		return unknown_ref(s, kind);
	ret = set ? pat_ref_set(m, args[3], args[4], &err) : pat_ref_del(m, args[3], &err);
	if (ret == -ENOENT)
		return cli_msg(s, set ? "entry not found.\n" : "Key not found.\n");
	if (ret < 0)
		return change_failed(s, err, "Out of memory.\n");
	return CLI_DONE;
}

static int parse_clear_map(struct cli_session *s, int argc, char **args)
{
	unsigned int kind = cmd_kind(args), ver = 0;
	struct pat_ref *m;
	char *err = NULL;
	int i = 2, has_ver = parse_ver(s, argc, args, &i, &ver);

	if (has_ver < 0)
		return CLI_DONE;
	if (argc < i + 1) {
		cli_sevf(s, CLI_SEV_ERR, "Missing %s identifier.\n", kind_name(kind));
		return CLI_DONE;
	}
	m = pat_ref_lookup(args[i], kind);
	if (!m)
		return unknown_ref(s, kind);
	if (pat_ref_clear(m, has_ver ? ver : pat_ref_curr_ver(m), &err) < 0)
		return change_failed(s, err, "Out of memory.\n");
	return CLI_DONE;
}

/* HAProxy's name of the index a method uses ("tree": the exact and
 * prefix lookups of case-sensitive strings, and networks).
 */
static const char *index_name(int match, int icase)
{
	if (match == PAT_MATCH_IP || (!icase && (match == PAT_MATCH_STR || match == PAT_MATCH_BEG)))
		return "tree";
	return "list";
}

static int parse_get_map(struct cli_session *s, int argc, char **args)
{
	unsigned int kind = cmd_kind(args);
	const char *key, *value;
	struct pat_ref *m;

	if (argc < 4) {
		cli_sevf(s, CLI_SEV_ERR, "Missing %s identifier and/or key.\n", kind_name(kind));
		return CLI_DONE;
	}
	m = pat_ref_lookup(args[2], kind);
	if (!m)
		return unknown_ref(s, kind);
	for (unsigned int u = 0; u < pat_ref_nb_uses(m); u++) {
		int match, icase, found = pat_ref_get(m, u, args[3], &match, &icase, &key, &value);
		const char *cs = icase ? "insensitive" : "sensitive";

		if (kind == PAT_REF_ACL && found)
			cli_printf(s, "type=%s, case=%s, match=yes, idx=%s, pattern=\"%s\"\n",
				   pat_match_name(match), cs, index_name(match, icase), key);
		else if (kind == PAT_REF_ACL)
			cli_printf(s, "type=%s, case=%s, match=no\n", pat_match_name(match), cs);
		else if (found)
			cli_printf(s, "type=%s, case=%s, found=yes, idx=%s, key=\"%s\", value=\"%s\", type=\"str\"\n",
				   pat_match_name(match), cs, index_name(match, icase), key, value);
		else
			cli_printf(s, "type=%s, case=%s, found=no\n", pat_match_name(match), cs);
	}
	return CLI_DONE;
}

static int parse_prepare_map(struct cli_session *s, int argc, char **args)
{
	unsigned int kind = cmd_kind(args);
	struct pat_ref *m = argc >= 3 ? pat_ref_lookup(args[2], kind) : NULL;

	if (!m)
		return unknown_ref(s, kind);
	cli_sevf(s, CLI_SEV_INFO, "New version created: %u\n", pat_ref_prepare(m));
	return CLI_DONE;
}

static int parse_commit_map(struct cli_session *s, int argc, char **args)
{
	unsigned int kind = cmd_kind(args), ver = 0;
	struct pat_ref *m;
	char *err = NULL;
	int i = 2, has_ver = parse_ver(s, argc, args, &i, &ver), ret;

	if (has_ver < 0)
		return CLI_DONE;
	if (!has_ver)
		return cli_err(s, "Missing version number.\n");
	if (argc < i + 1) {
		cli_sevf(s, CLI_SEV_ERR, "Missing %s identifier.\n", kind_name(kind));
		return CLI_DONE;
	}
	m = pat_ref_lookup(args[i], kind);
	if (!m)
		return unknown_ref(s, kind);
	ret = pat_ref_commit(m, ver, &err);
	if (ret == -ERANGE)
		return cli_err(s, "Version number out of range.\n");
	if (ret < 0)
		return change_failed(s, err, "Out of memory.\n");
	return CLI_DONE;
}

static struct cli_kw map_kws[] = {
	{ { "show", "map", NULL }, "show map [@ver] [map]                   : report available maps or dump a map's contents",
	  CLI_LVL_ADMIN, parse_show_map, dump_map, NULL, NULL },
	{ { "add", "map", NULL }, "add map [@ver] <map> <key> <val>        : add a map entry (payload supported instead of key/val)",
	  CLI_LVL_ADMIN, parse_add_map, NULL, NULL, NULL },
	{ { "set", "map", NULL }, "set map <map> [<key>|#<ref>] <value>    : modify a map entry",
	  CLI_LVL_ADMIN, parse_set_del_map, NULL, NULL, NULL },
	{ { "del", "map", NULL }, "del map <map> [<key>|#<ref>]            : remove map entry",
	  CLI_LVL_ADMIN, parse_set_del_map, NULL, NULL, NULL },
	{ { "clear", "map", NULL }, "clear map [@ver] <map>                  : clear the contents of this map",
	  CLI_LVL_ADMIN, parse_clear_map, NULL, NULL, NULL },
	{ { "get", "map", NULL }, "get map <map> <value>                   : report the keys and values matching a sample for a map",
	  CLI_LVL_ADMIN, parse_get_map, NULL, NULL, NULL },
	{ { "prepare", "map", NULL }, "prepare map <map>                       : prepare a new version for atomic map replacement",
	  CLI_LVL_ADMIN, parse_prepare_map, NULL, NULL, NULL },
	{ { "commit", "map", NULL }, "commit map @<ver> <map>                 : commit the map at this version",
	  CLI_LVL_ADMIN, parse_commit_map, NULL, NULL, NULL },
	{ { "show", "acl", NULL }, "show acl [@<ver>] <acl>]                : report available acls or dump an acl's contents",
	  CLI_LVL_ADMIN, parse_show_map, dump_map, NULL, NULL },
	{ { "add", "acl", NULL }, "add acl [@<ver>] <acl> <pattern>        : add an acl entry",
	  CLI_LVL_ADMIN, parse_add_map, NULL, NULL, NULL },
	{ { "del", "acl", NULL }, "del acl <acl> [<key>|#<ref>]            : delete acl entries matching <key>",
	  CLI_LVL_ADMIN, parse_set_del_map, NULL, NULL, NULL },
	{ { "clear", "acl", NULL }, "clear acl [@<ver>] <acl>                : clear the contents of this acl",
	  CLI_LVL_ADMIN, parse_clear_map, NULL, NULL, NULL },
	{ { "get", "acl", NULL }, "get acl <acl> <value>                   : report the patterns matching a sample for an ACL",
	  CLI_LVL_ADMIN, parse_get_map, NULL, NULL, NULL },
	{ { "prepare", "acl", NULL }, "prepare acl <acl>                       : prepare a new version for atomic ACL replacement",
	  CLI_LVL_ADMIN, parse_prepare_map, NULL, NULL, NULL },
	{ { "commit", "acl", NULL }, "commit acl @<ver> <acl>                 : commit the ACL at this version",
	  CLI_LVL_ADMIN, parse_commit_map, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list map_kw_list = { map_kws, NULL };

__attribute__((constructor)) static void cli_map_register(void)
{
	cli_register(&map_kw_list);
}
