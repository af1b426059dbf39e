/*
 * Maps: the map converters and the registry of loaded map files.
 * See include/tollgate/maps.h for the principle and the contracts.
 */
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tollgate/errmsg.h>
#include <tollgate/list.h>
#include <tollgate/maps.h>
#include <tollgate/patset.h>
#include <tollgate/sample.h>

/* Outputs of the converters. */
enum map_out {
	MAP_OUT_STR = 0,                       /* the value, a string */
	MAP_OUT_INT,                           /* the value, an integer */
	MAP_OUT_IP,                            /* the value, an address */
	MAP_OUT_KEY,                           /* the key as written in the file */
	MAP_OUT_REGM,                          /* the value with \N replaced by the key's groups */
};

/* A converter's <private>: its matching method and its output. */
#define MAP_KIND(match, out)  ((void *)(uintptr_t)((match) << 4 | (out)))
#define MAP_KIND_MATCH(priv)  ((int)((uintptr_t)(priv) >> 4))
#define MAP_KIND_OUT(priv)    ((int)((uintptr_t)(priv) & 0xf))

/* One line of a map file. */
struct map_entry {
	char *key;                             /* key, NUL-terminated; the value follows its NUL */
	const char *value;                     /* value, NUL-terminated, may be "" */
	size_t vlen;                           /* value length */
	unsigned int line;                     /* line number in the file */
};

struct map_file {
	struct list list;                      /* in map_files */
	char *path;                            /* file name, without "file@"/"opt@" */
	unsigned int id;                       /* unique id, in load order */
	unsigned int refcnt;                   /* expressions using it */
	int absent;                            /* "opt@" file that does not exist: empty */
	struct map_entry *entries;             /* lines with a key, in file order */
	size_t nb;                             /* number of entries */
	size_t alloc;                          /* allocated entries */
	struct patset *sets[PAT_MATCH_NUM];    /* keys per matching method, on first use */
	struct sample_data *ints;              /* values as integers, on first _int use */
	struct sample_data *addrs;             /* values as addresses, on first _ip use */
	regex_t *regm;                         /* keys compiled with groups, on first map_regm use */
};

/* Loaded maps, in load order. Changed only at configuration time. */
static struct list map_files = LIST_HEAD_INIT(map_files);
static unsigned int map_next_id;           /* id of the next map loaded */

/* ---- registry ---- */

static void map_free(struct map_file *m)
{
	for (size_t i = 0; i < m->nb; i++)
		free(m->entries[i].key);
	free(m->entries);
	for (int i = 0; i < PAT_MATCH_NUM; i++)
		patset_free(m->sets[i]);
	free(m->ints);
	free(m->addrs);
	for (size_t i = 0; m->regm && i < m->nb; i++)
		regfree(&m->regm[i]);
	free(m->regm);
	free(m->path);
	free(m);
}

/* Drops a reference to the struct map_file <ptr>, freeing it with the
 * last one (the data.obj.free of the converters' first argument).
 */
static void map_release(void *ptr)
{
	struct map_file *m = ptr;

	if (--m->refcnt)
		return;
	list_del_init(&m->list);
	map_free(m);
}

/* pat_read_file() callback: appends one entry to the map <arg>. */
static int map_add_line(void *arg, char *key, char *value, int line, char **err)
{
	struct map_file *m = arg;
	size_t klen = strlen(key), vlen = strlen(value);
	struct map_entry *e;

	if (m->nb == m->alloc) {
		size_t n = m->alloc ? 2 * m->alloc : 16;

		e = realloc(m->entries, n * sizeof(*e));
		if (!e)
			return err_set(err, "out of memory loading map file '%s'", m->path), -ENOMEM;
		m->entries = e;
		m->alloc = n;
	}
	e = &m->entries[m->nb];
	e->key = malloc(klen + vlen + 2);
	if (!e->key)
		return err_set(err, "out of memory loading map file '%s'", m->path), -ENOMEM;
	memcpy(e->key, key, klen + 1);
	memcpy(e->key + klen + 1, value, vlen + 1);
	e->value = e->key + klen + 1;
	e->vlen = vlen;
	e->line = line;
	m->nb++;
	return 0;
}

/* Takes a reference to the map named <name> ("[file@|opt@]<path>"),
 * loading the file if it is not yet. Returns 0 with *<out> set, or <0
 * with *<err> set.
 */
static int map_get(const char *name, struct map_file **out, char **err)
{
	struct map_file *m;
	int opt = 0, ret;

	if (strncmp(name, "virt@", 5) == 0)
		return err_set(err, "virtual map '%s' is not supported: maps are read-only (no 'add map'), it would stay empty",
			       name);
	if (strncmp(name, "opt@", 4) == 0) {
		opt = 1;
		name += 4;
	} else if (strncmp(name, "file@", 5) == 0) {
		name += 5;
	}
	if (!*name)
		return err_set(err, "missing map file name");

	list_for_each(m, &map_files, list) {
		if (strcmp(m->path, name) != 0)
			continue;
		if (m->absent && !opt)
			return err_set(err, "cannot open map file '%s': %s", name, strerror(ENOENT));
		m->refcnt++;
		*out = m;
		return 0;
	}

	m = calloc(1, sizeof(*m));
	if (!m || !(m->path = strdup(name))) {
		free(m);
		return err_set(err, "out of memory loading map file '%s'", name), -ENOMEM;
	}
	list_init(&m->list);
	if (opt && access(name, F_OK) < 0 && errno == ENOENT) {
		m->absent = 1;
	} else {
		ret = pat_read_file(name, "map", 1, map_add_line, m, err);
		if (ret < 0) {
			map_free(m);
			return ret;
		}
	}
	m->id = map_next_id++;
	m->refcnt = 1;
	list_append(&map_files, &m->list);
	*out = m;
	return 0;
}

/* Indexes the keys of <m> for method <match> if not yet done. Errors name
 * the file and the line of the faulty key.
 */
static int map_index(struct map_file *m, int match, char **err)
{
	struct patset *set;
	int ret = 0;

	if (m->sets[match])
		return 0;
	set = patset_new(match, 0);
	if (!set)
		return err_set(err, "out of memory indexing map file '%s'", m->path), -ENOMEM;
	for (size_t i = 0; i < m->nb && !ret; i++) {
		ret = patset_add(set, m->entries[i].key, 0, PAT_OP_EQ, err);
		if (ret < 0 && err) {
			char *why = *err;

			*err = NULL;
			err_set(err, "map file '%s' line %u: %s", m->path, m->entries[i].line,
				why ? why : "out of memory");
			free(why);
		}
	}
	if (!ret && patset_build(set) < 0) {
		err_set(err, "out of memory indexing map file '%s'", m->path);
		ret = -ENOMEM;
	}
	if (ret < 0) {
		patset_free(set);
		return ret;
	}
	m->sets[match] = set;
	return 0;
}

/* Parses the map value <text> (<len> bytes) as an output of <type>
 * (MAP_OUT_INT: decimal integer; MAP_OUT_IP: IPv4 or IPv6 address) into
 * <out>. Returns 1, or 0 if it is not one.
 */
static int map_parse_value(const char *text, size_t len, int type, struct sample_data *out)
{
	struct sample smp;

	if (type == MAP_OUT_INT) {
		out->type = SMP_T_SINT;
		return pat_parse_int(text, len, &out->u.sint) == 0;
	}
	sample_set_str(&smp, text, len);
	if (!len || !sample_cast(&smp, SMP_T_ADDR))
		return 0;
	*out = smp.data;
	return 1;
}

/* Converts the values of <m> for the output <type> of converter <kw> if
 * not yet done. Errors name the file, the line and the converter.
 */
static int map_convert_values(struct map_file *m, int type, const struct sample_conv_kw *kw,
			      char **err)
{
	struct sample_data **vals = type == MAP_OUT_INT ? &m->ints : &m->addrs, *v;

	if ((type != MAP_OUT_INT && type != MAP_OUT_IP) || *vals)
		return 0;
	v = calloc(m->nb + 1, sizeof(*v));
	if (!v)
		return err_set(err, "out of memory loading map file '%s'", m->path), -ENOMEM;
	for (size_t i = 0; i < m->nb; i++) {
		const struct map_entry *e = &m->entries[i];

		if (!map_parse_value(e->value, e->vlen, type, &v[i])) {
			free(v);
			return err_set(err, "map file '%s' line %u: '%s' is not %s (%s)", m->path, e->line,
				       e->value, type == MAP_OUT_INT ? "an integer" : "an IPv4 or IPv6 address",
				       kw->name);
		}
	}
	*vals = v;
	return 0;
}

/* Compiles the keys of <m> with their groups for map_regm, if not yet
 * done (the REG pattern set compiles them without).
 */
static int map_compile_regm(struct map_file *m, char **err)
{
	if (m->regm)
		return 0;
	m->regm = calloc(m->nb + 1, sizeof(*m->regm));
	if (!m->regm)
		return err_set(err, "out of memory loading map file '%s'", m->path), -ENOMEM;
	for (size_t i = 0; i < m->nb; i++) {
		if (regcomp(&m->regm[i], m->entries[i].key, REG_EXTENDED)) {
			/* map_index() compiled the same text: cannot fail here */
			for (size_t j = 0; j < i; j++)
				regfree(&m->regm[j]);
			free(m->regm);
			m->regm = NULL;
			return err_set(err, "map file '%s' line %u: invalid regex '%s'", m->path,
				       m->entries[i].line, m->entries[i].key);
		}
	}
	return 0;
}

/* map_regm's value: the value of entry <i> with its \0..\9 replaced by
 * the groups of its key matched on <smp>. Returns 1, or 0 if it does not
 * fit.
 */
static int map_regm_value(const struct map_file *m, long i, struct sample *smp)
{
	const struct map_entry *e = &m->entries[i];
	const char *in = smp->data.u.str.ptr;
	regmatch_t pm[10] = { { .rm_so = 0, .rm_eo = (regoff_t)smp->data.u.str.len } };
	char *out = sample_scratch();
	size_t o = 0;

	if (regexec(&m->regm[i], smp->data.u.str.len ? in : "", 10, pm, REG_STARTEND) != 0)
		return 0;   /* matched by the REG set: cannot happen */
	for (const char *v = e->value; *v; v++) {
		const char *src = v;
		size_t n = 1;

		if (*v == '\\' && v[1] >= '0' && v[1] <= '9') {
			const regmatch_t *g = &pm[*++v - '0'];

			src = in + (g->rm_so >= 0 ? g->rm_so : 0);
			n = g->rm_so >= 0 ? (size_t)(g->rm_eo - g->rm_so) : 0;
		} else if (*v == '\\' && v[1]) {
			src = ++v;
		}
		if (o + n > SAMPLE_SCRATCH_SIZE)
			return 0;
		memcpy(out + o, src, n);
		o += n;
	}
	sample_set_str(smp, out, o);
	return 1;
}

/* ---- converters ---- */

/* check_kw of every map converter: loads the map file args[0] (or shares
 * it), indexes its keys for the converter's method, converts its values to
 * the converter's output, parses an address default, and replaces args[0]
 * by the map.
 */
static int map_check(const struct sample_conv_kw *kw, struct sample_arg *args, char **err)
{
	int match = MAP_KIND_MATCH(kw->private), out = MAP_KIND_OUT(kw->private), ret;
	struct map_file *m = NULL;

	if (out == MAP_OUT_IP && args[1].type == SMP_ARGT_STR) {
		struct sample_data def;

		if (!map_parse_value(args[1].data.str.ptr, args[1].data.str.len, MAP_OUT_IP, &def))
			return err_set(err, "default value '%s' is not an IPv4 or IPv6 address",
				       args[1].data.str.ptr);
		free(args[1].data.str.ptr);
		args[1].type = def.type == SMP_T_IPV4 ? SMP_ARGT_IPV4 : SMP_ARGT_IPV6;
		if (def.type == SMP_T_IPV4)
			args[1].data.ipv4 = def.u.ipv4;
		else
			args[1].data.ipv6 = def.u.ipv6;
	}
	ret = map_get(args[0].data.str.ptr, &m, err);
	if (ret < 0)
		return ret;
	ret = map_index(m, match, err);
	if (!ret)
		ret = map_convert_values(m, out, kw, err);
	if (!ret && out == MAP_OUT_REGM)
		ret = map_compile_regm(m, err);
	if (ret < 0) {
		map_release(m);
		return ret;
	}
	free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_OBJ;
	args[0].data.obj.ptr = m;
	args[0].data.obj.free = map_release;
	return 0;
}

/* Sets <smp> to the default value <def> (args[1]). Returns 0 if there is
 * none.
 */
static int map_default(const struct sample_arg *def, struct sample *smp)
{
	switch (def->type) {
	case SMP_ARGT_STR:
		sample_set_str(smp, def->data.str.ptr, def->data.str.len);
		return 1;
	case SMP_ARGT_SINT:
		sample_set_sint(smp, def->data.sint);
		return 1;
	case SMP_ARGT_IPV4:
		smp->data.type = SMP_T_IPV4;
		smp->data.u.ipv4 = def->data.ipv4;
		return 1;
	case SMP_ARGT_IPV6:
		smp->data.type = SMP_T_IPV6;
		smp->data.u.ipv6 = def->data.ipv6;
		return 1;
	default:
		return 0;
	}
}

/* Every map converter: looks the sample up, returns the value (or the
 * key) of the entry that matched, else the default, else nothing.
 */
static int map_conv(const struct sample_arg *args, struct sample *smp, void *private)
{
	const struct map_file *m = args[0].data.obj.ptr;
	long i = patset_lookup(m->sets[MAP_KIND_MATCH(private)], smp);
	const struct map_entry *e;

	if (i < 0)
		return map_default(&args[1], smp);
	e = &m->entries[i];
	switch (MAP_KIND_OUT(private)) {
	case MAP_OUT_STR:
		sample_set_str(smp, e->value, e->vlen);
		break;
	case MAP_OUT_INT:
		smp->data = m->ints[i];
		break;
	case MAP_OUT_IP:
		smp->data = m->addrs[i];
		break;
	case MAP_OUT_KEY:
		sample_set_str(smp, e->key, (size_t)(e->value - e->key - 1));
		break;
	case MAP_OUT_REGM:
		return map_regm_value(m, i, smp);
	}
	return 1;
}

#define STR_ARGS  SMP_ARG2(1, STR, STR)    /* file[,default string or address] */
#define INT_ARGS  SMP_ARG2(1, STR, SINT)   /* file[,default integer] */
#define KEY_ARGS  SMP_ARG1(1, STR)         /* file */

static struct sample_conv_kw_list map_conv_kws = {
	.kw = {
		/* name          fn        args      check in          out         private                                 check_kw */
		{ "map",         map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_STR, MAP_OUT_STR), map_check },
		{ "map_str",     map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_STR, MAP_OUT_STR), map_check },
		{ "map_beg",     map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_BEG, MAP_OUT_STR), map_check },
		{ "map_sub",     map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_SUB, MAP_OUT_STR), map_check },
		{ "map_dir",     map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_DIR, MAP_OUT_STR), map_check },
		{ "map_dom",     map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_DOM, MAP_OUT_STR), map_check },
		{ "map_end",     map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_END, MAP_OUT_STR), map_check },
		{ "map_reg",     map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_REG, MAP_OUT_STR), map_check },
		{ "map_regm",    map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_REG, MAP_OUT_REGM), map_check },
		{ "map_int",     map_conv, STR_ARGS, NULL, SMP_T_SINT, SMP_T_STR,  MAP_KIND(PAT_MATCH_INT, MAP_OUT_STR), map_check },
		{ "map_ip",      map_conv, STR_ARGS, NULL, SMP_T_ADDR, SMP_T_STR,  MAP_KIND(PAT_MATCH_IP,  MAP_OUT_STR), map_check },

		{ "map_str_int", map_conv, INT_ARGS, NULL, SMP_T_STR,  SMP_T_SINT, MAP_KIND(PAT_MATCH_STR, MAP_OUT_INT), map_check },
		{ "map_beg_int", map_conv, INT_ARGS, NULL, SMP_T_STR,  SMP_T_SINT, MAP_KIND(PAT_MATCH_BEG, MAP_OUT_INT), map_check },
		{ "map_sub_int", map_conv, INT_ARGS, NULL, SMP_T_STR,  SMP_T_SINT, MAP_KIND(PAT_MATCH_SUB, MAP_OUT_INT), map_check },
		{ "map_dir_int", map_conv, INT_ARGS, NULL, SMP_T_STR,  SMP_T_SINT, MAP_KIND(PAT_MATCH_DIR, MAP_OUT_INT), map_check },
		{ "map_dom_int", map_conv, INT_ARGS, NULL, SMP_T_STR,  SMP_T_SINT, MAP_KIND(PAT_MATCH_DOM, MAP_OUT_INT), map_check },
		{ "map_end_int", map_conv, INT_ARGS, NULL, SMP_T_STR,  SMP_T_SINT, MAP_KIND(PAT_MATCH_END, MAP_OUT_INT), map_check },
		{ "map_reg_int", map_conv, INT_ARGS, NULL, SMP_T_STR,  SMP_T_SINT, MAP_KIND(PAT_MATCH_REG, MAP_OUT_INT), map_check },
		{ "map_int_int", map_conv, INT_ARGS, NULL, SMP_T_SINT, SMP_T_SINT, MAP_KIND(PAT_MATCH_INT, MAP_OUT_INT), map_check },
		{ "map_ip_int",  map_conv, INT_ARGS, NULL, SMP_T_ADDR, SMP_T_SINT, MAP_KIND(PAT_MATCH_IP,  MAP_OUT_INT), map_check },

		{ "map_str_ip",  map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_ADDR, MAP_KIND(PAT_MATCH_STR, MAP_OUT_IP),  map_check },
		{ "map_beg_ip",  map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_ADDR, MAP_KIND(PAT_MATCH_BEG, MAP_OUT_IP),  map_check },
		{ "map_sub_ip",  map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_ADDR, MAP_KIND(PAT_MATCH_SUB, MAP_OUT_IP),  map_check },
		{ "map_dir_ip",  map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_ADDR, MAP_KIND(PAT_MATCH_DIR, MAP_OUT_IP),  map_check },
		{ "map_dom_ip",  map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_ADDR, MAP_KIND(PAT_MATCH_DOM, MAP_OUT_IP),  map_check },
		{ "map_end_ip",  map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_ADDR, MAP_KIND(PAT_MATCH_END, MAP_OUT_IP),  map_check },
		{ "map_reg_ip",  map_conv, STR_ARGS, NULL, SMP_T_STR,  SMP_T_ADDR, MAP_KIND(PAT_MATCH_REG, MAP_OUT_IP),  map_check },
		{ "map_int_ip",  map_conv, STR_ARGS, NULL, SMP_T_SINT, SMP_T_ADDR, MAP_KIND(PAT_MATCH_INT, MAP_OUT_IP),  map_check },
		{ "map_ip_ip",   map_conv, STR_ARGS, NULL, SMP_T_ADDR, SMP_T_ADDR, MAP_KIND(PAT_MATCH_IP,  MAP_OUT_IP),  map_check },

		{ "map_str_key", map_conv, KEY_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_STR, MAP_OUT_KEY), map_check },
		{ "map_beg_key", map_conv, KEY_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_BEG, MAP_OUT_KEY), map_check },
		{ "map_sub_key", map_conv, KEY_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_SUB, MAP_OUT_KEY), map_check },
		{ "map_dir_key", map_conv, KEY_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_DIR, MAP_OUT_KEY), map_check },
		{ "map_dom_key", map_conv, KEY_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_DOM, MAP_OUT_KEY), map_check },
		{ "map_end_key", map_conv, KEY_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_END, MAP_OUT_KEY), map_check },
		{ "map_reg_key", map_conv, KEY_ARGS, NULL, SMP_T_STR,  SMP_T_STR,  MAP_KIND(PAT_MATCH_REG, MAP_OUT_KEY), map_check },
		{ "map_int_key", map_conv, KEY_ARGS, NULL, SMP_T_SINT, SMP_T_STR,  MAP_KIND(PAT_MATCH_INT, MAP_OUT_KEY), map_check },
		{ "map_ip_key",  map_conv, KEY_ARGS, NULL, SMP_T_ADDR, SMP_T_STR,  MAP_KIND(PAT_MATCH_IP,  MAP_OUT_KEY), map_check },
		{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL },
	}
};

__attribute__((constructor)) static void map_register_convs(void)
{
	sample_register_convs(&map_conv_kws);
}

/* ---- admin socket access ---- */

const struct map_file *map_next(const struct map_file *prev)
{
	const struct list *next = prev ? prev->list.next : map_files.next;

	return next == &map_files ? NULL : container_of(next, struct map_file, list);
}

const struct map_file *map_lookup(const char *name)
{
	const struct map_file *m;
	char *end;
	unsigned long id = 0;

	if (*name == '#') {
		id = strtoul(name + 1, &end, 10);
		if (!name[1] || *end)
			return NULL;
	}
	for (m = map_next(NULL); m; m = map_next(m))
		if (*name == '#' ? m->id == id : strcmp(m->path, name) == 0)
			return m;
	return NULL;
}

unsigned int map_id(const struct map_file *map)
{
	return map->id;
}

const char *map_path(const struct map_file *map)
{
	return map->path;
}

size_t map_size(const struct map_file *map)
{
	return map->nb;
}

const void *map_entry(const struct map_file *map, size_t i, const char **key,
		      const char **value)
{
	*key = map->entries[i].key;
	*value = map->entries[i].value;
	return &map->entries[i];
}
