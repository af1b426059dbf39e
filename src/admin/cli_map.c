/*
 * Admin socket commands on maps, HAProxy's (management.txt 9.3):
 *   show map [[@<ver>] <map>]      list the maps, or the entries of one
 *   add map [@<ver>] <map> <key> <value> | add map [@<ver>] <map> <<payload
 *   set map <map> <key>|#<ref> <value>
 *   del map <map> <key>|#<ref>
 *   clear map [@<ver>] <map>
 *   get map <map> <value>
 *   prepare map <map> / commit map @<ver> <map>
 * <map> is the file name as the configuration wrote it, or "#<id>". The
 * changes are maps.h's: the converters see them at once, swapped in under
 * thread isolation.
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
	struct map_file *map;           /* map being dumped, or the next one listed */
	size_t next;                    /* dump: next entry */
	unsigned int ver;               /* dump: version shown */
	int list;                       /* 1: list the maps, 0: dump <map> */
};

#define UNKNOWN_MAP "Unknown map identifier. Please use #<id> or <file>.\n"

/* Lists the maps from c->map on. */
static int dump_map_list(struct cli_session *s, struct map_ctx *c)
{
	for (; c->map; c->map = (struct map_file *)map_next(c->map)) {
		const char *path = map_path(c->map);

		if (cli_printf(s, "%u (%s) pattern loaded from file '%s' used by map. curr_ver=%u next_ver=%u entry_cnt=%zu\n",
			       map_id(c->map), path, path, map_curr_ver(c->map), map_next_ver(c->map),
			       map_size(c->map)) < 0)
			return 0;
	}
	return 1;
}

static int dump_map(struct cli_session *s)
{
	struct map_ctx *c = cli_ctx(s);

	if (c->list)
		return dump_map_list(s, c);
	for (; c->next < map_size(c->map); c->next++) {
		const char *key, *value;
		unsigned int gen;
		const void *e = map_entry(c->map, c->next, &key, &value, &gen);

		if (gen != c->ver || cli_printf(s, "%p %s %s\n", e, key, value) == 0)
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
		cli_msg(s, "Version number must be a decimal number after '@'.\n");
		return -1;
	}
	(*i)++;
	return 1;
}

/* Answers a failed change: <err> if set, else <msg>. */
static int change_failed(struct cli_session *s, char *err, const char *msg)
{
	if (err) {
		cli_printf(s, "%s.\n", err);
		free(err);
		return CLI_DONE;
	}
	return cli_msg(s, msg);
}

static int parse_show_map(struct cli_session *s, int argc, char **args)
{
	struct map_ctx *c = cli_ctx(s);
	int i = 2, has_ver;

	if (argc < 3) {
		c->list = 1;
		c->map = (struct map_file *)map_next(NULL);
		cli_printf(s, "# id (file) description\n");
		return CLI_DUMP;
	}
	has_ver = parse_ver(s, argc, args, &i, &c->ver);
	if (has_ver < 0)
		return CLI_DONE;
	c->map = i < argc ? map_lookup(args[i]) : NULL;
	if (!c->map)
		return cli_msg(s, UNKNOWN_MAP);
	if (!has_ver)
		c->ver = map_curr_ver(c->map);
	return CLI_DUMP;
}

/* Adds the "key value" lines of <payload> to version <ver> of <m>. */
static int add_payload(struct cli_session *s, struct map_file *m, unsigned int ver,
		       const char *payload)
{
	char *copy = strdup(payload), *line, *next, *err = NULL;

	if (!copy)
		return cli_msg(s, "Out of memory.\n");
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
		if (map_add(m, ver, key, value, &err) < 0) {
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
	struct map_file *m;
	unsigned int ver = 0;
	char *err = NULL;
	int i = 2, has_ver = parse_ver(s, argc, args, &i, &ver);

	if (has_ver < 0)
		return CLI_DONE;
	if (!(argc == i + 3 || (argc == i + 1 && payload)))
		return cli_msg(s, "'add map' expects three parameters (map identifier, key and value) or one parameter (map identifier) and a payload\n");
	m = map_lookup(args[i]);
	if (!m)
		return cli_msg(s, UNKNOWN_MAP);
	if (!has_ver)
		ver = map_curr_ver(m);
	else if (ver - map_curr_ver(m) > map_next_ver(m) - map_curr_ver(m))
		return cli_msg(s, "Version number out of range.\n");
	if (argc == i + 1)
		return add_payload(s, m, ver, payload);
	if (map_add(m, ver, args[i + 1], args[i + 2], &err) < 0)
		return change_failed(s, err, "Out of memory.\n");
	return CLI_DONE;
}

/* set map <map> <key>|#<ref> <value> / del map <map> <key>|#<ref> */
static int parse_set_del_map(struct cli_session *s, int argc, char **args)
{
	int set = strcmp(args[0], "set") == 0;
	struct map_file *m;
	char *err = NULL;
	int ret;

	if (argc != (set ? 5 : 4))
		return cli_msg(s, set ? "'set map' expects three parameters: map identifier, key and value.\n"
				      : "This command expects two parameters: map identifier and key.\n");
	m = map_lookup(args[2]);
	if (!m)
		return cli_msg(s, UNKNOWN_MAP);
	ret = set ? map_set(m, args[3], args[4], &err) : map_del(m, args[3], &err);
	if (ret == -ENOENT)
		return cli_msg(s, set ? "entry not found.\n" : "Key not found.\n");
	if (ret < 0)
		return change_failed(s, err, "Out of memory.\n");
	return CLI_DONE;
}

static int parse_clear_map(struct cli_session *s, int argc, char **args)
{
	struct map_file *m;
	unsigned int ver = 0;
	char *err = NULL;
	int i = 2, has_ver = parse_ver(s, argc, args, &i, &ver);

	if (has_ver < 0)
		return CLI_DONE;
	if (argc != i + 1)
		return cli_msg(s, "Missing map identifier.\n");
	m = map_lookup(args[i]);
	if (!m)
		return cli_msg(s, UNKNOWN_MAP);
	if (map_clear(m, has_ver ? ver : map_curr_ver(m), &err) < 0)
		return change_failed(s, err, "Out of memory.\n");
	return CLI_DONE;
}

static int parse_get_map(struct cli_session *s, int argc, char **args)
{
	const char *key, *value;
	struct map_file *m;
	int match;

	if (argc != 4)
		return cli_msg(s, "Missing map identifier and/or key.\n");
	m = map_lookup(args[2]);
	if (!m)
		return cli_msg(s, UNKNOWN_MAP);
	match = map_get_entry(m, args[3], &key, &value);
	if (match < 0) {
		match = map_method(m);
		cli_printf(s, "type=%s, case=sensitive, found=no\n",
			   pat_match_name(match < 0 ? PAT_MATCH_STR : match));
		return CLI_DONE;
	}
	cli_printf(s, "type=%s, case=sensitive, found=yes, idx=%s, key=\"%s\", value=\"%s\", type=\"str\"\n",
		   pat_match_name(match),
		   match == PAT_MATCH_STR || match == PAT_MATCH_BEG || match == PAT_MATCH_IP ? "tree" : "list",
		   key, value);
	return CLI_DONE;
}

static int parse_prepare_map(struct cli_session *s, int argc, char **args)
{
	struct map_file *m = argc == 3 ? map_lookup(args[2]) : NULL;

	if (!m)
		return cli_msg(s, UNKNOWN_MAP);
	cli_printf(s, "New version created: %u\n", map_prepare(m));
	return CLI_DONE;
}

static int parse_commit_map(struct cli_session *s, int argc, char **args)
{
	struct map_file *m;
	unsigned int ver = 0;
	char *err = NULL;
	int i = 2, has_ver = parse_ver(s, argc, args, &i, &ver), ret;

	if (has_ver < 0)
		return CLI_DONE;
	if (!has_ver || argc != i + 1)
		return cli_msg(s, "'commit map' expects a version number (@<ver>) and a map identifier.\n");
	m = map_lookup(args[i]);
	if (!m)
		return cli_msg(s, UNKNOWN_MAP);
	ret = map_commit(m, ver, &err);
	if (ret == -ERANGE)
		return cli_msg(s, "Version number out of range.\n");
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
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list map_kw_list = { map_kws, NULL };

__attribute__((constructor)) static void cli_map_register(void)
{
	cli_register(&map_kw_list);
}
