/*
 * Admin socket commands on maps: show map [<map>].
 *
 * Output is HAProxy's: the list of loaded maps
 *   # id (file) description
 *   ID (FILE) pattern loaded from file 'FILE' used by map. curr_ver=0 next_ver=0 entry_cnt=N
 * or the entries of one map, named by its file or "#<id>", in file order
 *   0xPTR KEY VALUE
 * Maps are read-only (loaded with the configuration, maps.h), so there is
 * no version other than 0 and no add/set/del/clear map.
 *
 * A dump writes as many lines as the output buffer takes and resumes at
 * the next entry once the client has read. The maps do not change while
 * the configuration is in force, so the position is just an index.
 */
#include <stddef.h>

#include <tollgate/cli.h>
#include <tollgate/maps.h>

struct map_ctx {
	const struct map_file *map;     /* map being dumped, or the next one listed */
	size_t next;                    /* dump: next entry */
	int list;                       /* 1: list the maps, 0: dump <map> */
};

/* Lists the maps from c->map on. */
static int dump_map_list(struct cli_session *s, struct map_ctx *c)
{
	for (; c->map; c->map = map_next(c->map)) {
		const char *path = map_path(c->map);

		if (cli_printf(s, "%u (%s) pattern loaded from file '%s' used by map. curr_ver=0 next_ver=0 entry_cnt=%zu\n",
			       map_id(c->map), path, path, map_size(c->map)) < 0)
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
		const void *e = map_entry(c->map, c->next, &key, &value);

		if (cli_printf(s, "%p %s %s\n", e, key, value) == 0)
			continue;
		if (cli_output_pending(s))
			return 0;   /* again once the client has read */
		/* longer than the whole buffer: it would never fit */
		cli_printf(s, "%p <entry longer than the output buffer>\n", e);
	}
	return 1;
}

static int parse_show_map(struct cli_session *s, int argc, char **args)
{
	struct map_ctx *c = cli_ctx(s);

	if (argc < 3) {
		c->list = 1;
		c->map = map_next(NULL);
		cli_printf(s, "# id (file) description\n");
		return CLI_DUMP;
	}
	c->map = map_lookup(args[2]);
	if (!c->map)
		return cli_msg(s, "Unknown map identifier. Please use #<id> or <file>.\n");
	return CLI_DUMP;
}

static struct cli_kw map_kws[] = {
	{ { "show", "map", NULL }, "show map [map]                          : report available maps or dump a map's contents",
	  CLI_LVL_ADMIN, parse_show_map, dump_map, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list map_kw_list = { map_kws, NULL };

__attribute__((constructor)) static void cli_map_register(void)
{
	cli_register(&map_kw_list);
}
