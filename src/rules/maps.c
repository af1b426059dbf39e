/*
 * Maps and pattern references: the registry of the pattern references
 * (loaded map and ACL pattern files, anonymous ACL pattern lists), their
 * run-time changes, and the map converters. See include/tollgate/maps.h
 * for the principle and the contracts.
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tollgate/errmsg.h>
#include <tollgate/isolate.h>
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

/* One entry of a map: a line of its file or an entry added at run time. */
struct map_entry {
	char *key;                             /* key, NUL-terminated; the value follows its NUL */
	const char *value;                     /* value, NUL-terminated, may be "" */
	size_t vlen;                           /* value length */
	unsigned int line;                     /* line number in the file, 0 if added at run time */
	unsigned int gen;                      /* version it belongs to */
	unsigned int mark;                     /* scratch of map_replace() */
	unsigned char op;                      /* PAT_OP_* of an ACL's integer pattern */
	size_t vpos;                           /* position in the view, if of its version */
	size_t eidx;                           /* >= its index in pat_ref.entries (which only shift down) */
	struct map_entry *knext;               /* next in its chain of pat_ref.kh */
};

/* The pattern sets of a view, one per use: a matching method with a
 * variant (plain, ignoring case, dotted versions).
 */
#define PAT_VARIANTS  3
#define PAT_SETS      (PAT_MATCH_NUM * PAT_VARIANTS)
#define SET_MATCH(s)  ((s) % PAT_MATCH_NUM)
#define SET_VAR(s)    ((s) / PAT_MATCH_NUM)

/* What the converters read: the entries of the current version, indexed.
 * Immutable once published; replaced whole (map_publish()).
 */
struct map_view {
	struct map_entry **e;                  /* entries of the current version, in order */
	size_t nb;                             /* their number */
	struct patset *sets[PAT_SETS];         /* keys per use (set index) */
	struct sample_data *ints;              /* values as integers, if an _int converter uses the map */
	struct sample_data *addrs;             /* values as addresses, if an _ip converter uses it */
	regex_t *regm;                         /* keys compiled with groups, if map_regm uses it */
	size_t alloc;                          /* room in e, ints, addrs and regm */
	size_t dead;                           /* removed entries (NULL in e) */
};

struct pat_ref {
	struct list list;                      /* in map_files */
	char *path;                            /* file name, without "file@"/"opt@"; "" if anonymous */
	char *display;                         /* description in "show map|acl" */
	unsigned int kind;                     /* PAT_REF_MAP or PAT_REF_ACL */
	int two_col;                           /* file read as "key value" lines */
	unsigned int id;                       /* unique id, in load order */
	unsigned int refcnt;                   /* expressions using it */
	int absent;                            /* "opt@" file that does not exist: empty */
	struct map_entry **entries;            /* entries of every version, in order added */
	size_t nb;                             /* number of entries */
	size_t alloc;                          /* allocated entries */
	unsigned int curr_ver;                 /* version the converters see */
	unsigned int next_ver;                 /* last version allocated by prepare */
	uint64_t used;                         /* sets used (1 << set index) */
	unsigned char uses[PAT_SETS];          /* the set indexes used, in first-use order */
	unsigned int nb_uses;                  /* their number */
	unsigned int outs;                     /* outputs used (1 << MAP_OUT_*) */
	const char *int_kw, *ip_kw;            /* a converter of each typed output, for messages */
	struct map_view *view;                 /* read by the converters, see map_publish() */
	struct map_entry **kh;                 /* entries by key, all versions (chained), or NULL */
	size_t kh_mask;                        /* its size - 1 */
};

/* Loaded maps, in load order. Changed only at configuration time. */
static struct list map_files = LIST_HEAD_INIT(map_files);
static unsigned int map_next_id;           /* id of the next reference created */
static const char *place_file = "";        /* configuration place being parsed */
static int place_line;

static int map_parse_value(const char *text, size_t len, int type, struct sample_data *out);

/* ---- registry ---- */

static void view_free(struct map_view *v)
{
	if (!v)
		return;
	for (int i = 0; i < PAT_SETS; i++)
		patset_free(v->sets[i]);
	free(v->ints);
	free(v->addrs);
	for (size_t i = 0; v->regm && i < v->nb; i++)
		if (v->e[i])
			regfree(&v->regm[i]);
	free(v->regm);
	free(v->e);
	free(v);
}

static void entry_free(struct map_entry *e)
{
	free(e->key);
	free(e);
}

static void map_free(struct pat_ref *m)
{
	for (size_t i = 0; i < m->nb; i++)
		entry_free(m->entries[i]);
	free(m->entries);
	free(m->kh);
	view_free(m->view);
	free(m->path);
	free(m->display);
	free(m);
}

void pat_ref_release(void *ptr)
{
	struct pat_ref *m = ptr;

	if (--m->refcnt)
		return;
	list_del_init(&m->list);
	map_free(m);
}

/* Returns a new entry <key> <value> of version <gen>, or NULL. */
static struct map_entry *entry_new(const char *key, const char *value, unsigned int line,
				   unsigned int gen)
{
	size_t klen = strlen(key), vlen = strlen(value);
	struct map_entry *e = calloc(1, sizeof(*e));

	if (!e || !(e->key = malloc(klen + vlen + 2))) {
		free(e);
		return NULL;
	}
	memcpy(e->key, key, klen + 1);
	memcpy(e->key + klen + 1, value, vlen + 1);
	e->value = e->key + klen + 1;
	e->vlen = vlen;
	e->line = line;
	e->gen = gen;
	return e;
}

/* Appends <e> to the array *<arr> of *<nb> entries (*<alloc> allocated).
 * Returns 0 or -ENOMEM.
 */
static int entries_push(struct map_entry ***arr, size_t *nb, size_t *alloc, struct map_entry *e)
{
	if (*nb == *alloc) {
		size_t n = *alloc ? 2 * *alloc : 16;
		struct map_entry **a = realloc(*arr, n * sizeof(*a));

		if (!a)
			return -ENOMEM;
		*arr = a;
		*alloc = n;
	}
	e->eidx = *nb;
	(*arr)[(*nb)++] = e;
	return 0;
}

/* pat_read_file() callback: appends one entry to the map <arg>. */
static int map_add_line(void *arg, char *key, char *value, int line, char **err)
{
	struct pat_ref *m = arg;
	struct map_entry *e = entry_new(key, value, (unsigned int)line, 0);

	if (!e || entries_push(&m->entries, &m->nb, &m->alloc, e) < 0) {
		if (e)
			entry_free(e);
		return err_set(err, "out of memory loading map file '%s'", m->path), -ENOMEM;
	}
	return 0;
}

/* Rewrites *<err> (a message about entry <e> of <m>, or NULL) as one
 * naming the file and the line, or the key of an entry added at run time.
 */
static void entry_err(const struct pat_ref *m, const struct map_entry *e, char **err)
{
	char *why;

	if (!err)
		return;
	why = *err;
	*err = NULL;
	if (m->kind == PAT_REF_ACL && e->line)
		err_set(err, "%s:%u: %s", m->path, e->line, why ? why : "out of memory");
	else if (m->kind == PAT_REF_ACL || !*m->path)
		err_set(err, "%s", why ? why : "out of memory");
	else if (e->line)
		err_set(err, "map file '%s' line %u: %s", m->path, e->line, why ? why : "out of memory");
	else
		err_set(err, "map '%s' key '%s': %s", m->path, e->key, why ? why : "out of memory");
	free(why);
}

/* Takes thread isolation unless the caller holds it: the writers' lock
 * of the references (see maps.h). Returns what to pass to ref_unlock().
 */
static int ref_lock(void)
{
	if (thread_isolated())
		return 0;
	thread_isolate();
	return 1;
}

static void ref_unlock(int taken)
{
	if (taken)
		thread_release();
}

/* Builds the view of <m> for version <ver> from the <nb> entries <arr>:
 * the entries of that version indexed for every method used, their
 * values converted for every output used. Returns it, or NULL with *<err>
 * set naming the faulty entry.
 */
static struct map_view *view_build(struct pat_ref *m, struct map_entry **arr, size_t nb,
				   unsigned int ver, char **err)
{
	struct map_view *v = calloc(1, sizeof(*v));
	int ret = 0;

	if (!v || !(v->e = calloc(nb + 1, sizeof(*v->e))))
		goto oom;
	v->alloc = nb + 1;
	for (size_t i = 0; i < nb; i++)
		if (arr[i]->gen == ver) {
			arr[i]->vpos = v->nb;
			v->e[v->nb++] = arr[i];
		}
	for (unsigned int u = 0; u < m->nb_uses && !ret; u++) {
		int set = m->uses[u], var = SET_VAR(set);

		if (!(v->sets[set] = patset_new(SET_MATCH(set), var == 2 ? PATSET_F_DOTTED : 0)))
			goto oom;
		for (size_t i = 0; i < v->nb && !ret; i++) {
			ret = patset_add(v->sets[set], v->e[i]->key, var == 1 ? PAT_F_ICASE : 0,
					 v->e[i]->op, err);
			if (ret < 0)
				entry_err(m, v->e[i], err);
		}
		if (!ret && patset_build(v->sets[set]) < 0)
			goto oom;
	}
	for (int out = MAP_OUT_INT; out <= MAP_OUT_IP && !ret; out++) {
		struct sample_data **vals = out == MAP_OUT_INT ? &v->ints : &v->addrs;

		if (!(m->outs & (1U << out)))
			continue;
		if (!(*vals = calloc(v->nb + 1, sizeof(**vals))))
			goto oom;
		for (size_t i = 0; i < v->nb && !ret; i++) {
			const struct map_entry *e = v->e[i];

			if (map_parse_value(e->value, e->vlen, out, &(*vals)[i]))
				continue;
			err_set(err, "'%s' is not %s (%s)", e->value,
				out == MAP_OUT_INT ? "an integer" : "an IPv4 or IPv6 address",
				out == MAP_OUT_INT ? m->int_kw : m->ip_kw);
			entry_err(m, e, err);
			ret = -EINVAL;
		}
	}
	if (!ret && (m->outs & (1U << MAP_OUT_REGM))) {
		/* the keys with their groups, for map_regm (the REG set has none) */
		if (!(v->regm = calloc(v->nb + 1, sizeof(*v->regm))))
			goto oom;
		for (size_t i = 0; i < v->nb; i++) {
			if (regcomp(&v->regm[i], v->e[i]->key, REG_EXTENDED) == 0)
				continue;
			/* the REG set compiled the same text: cannot fail here */
			for (size_t j = 0; j < i; j++)
				regfree(&v->regm[j]);
			free(v->regm);
			v->regm = NULL;
			err_set(err, "invalid regex '%s'", v->e[i]->key);
			entry_err(m, v->e[i], err);
			ret = -EINVAL;
			break;
		}
	}
	if (ret < 0) {
		view_free(v);
		return NULL;
	}
	return v;
oom:
	view_free(v);
	err_set(err, "out of memory indexing map file '%s'", m->path);
	return NULL;
}

/* Makes <arr> (<nb> entries, <alloc> allocated) the entries of <m> and
 * <ver> its current version, after building the view the converters will
 * read (unless <rebuild> is 0: the current version did not change). The
 * swap is made under thread isolation, so that no worker is in the middle
 * of a lookup; the entries of the old array that are not in <arr> are then
 * freed, with the old view. On failure, the entries of <arr> that were
 * not in the old array are freed with <arr>, and <m> is unchanged.
 * Returns 0, or <0 with *<err> set.
 */
static int map_replace(struct pat_ref *m, struct map_entry **arr, size_t nb, size_t alloc,
		       unsigned int ver, int rebuild, char **err)
{
	struct map_view *v = NULL, *old_view;
	struct map_entry **old = m->entries;
	size_t old_nb = m->nb;
	int taken;

	if (rebuild && !(v = view_build(m, arr, nb, ver, err))) {
		for (size_t i = 0; i < old_nb; i++)
			old[i]->mark = 1;
		for (size_t i = 0; i < nb; i++)
			if (!arr[i]->mark)
				entry_free(arr[i]);
		for (size_t i = 0; i < old_nb; i++)
			old[i]->mark = 0;
		free(arr);
		return -EINVAL;
	}
	taken = ref_lock();
	old_view = m->view;
	if (rebuild)
		m->view = v;
	m->entries = arr;
	m->nb = nb;
	m->alloc = alloc;
	m->curr_ver = ver;
	free(m->kh);           /* rebuilt on the next use */
	m->kh = NULL;
	ref_unlock(taken);
	if (rebuild)
		view_free(old_view);
	for (size_t i = 0; i < old_nb; i++)
		old[i]->mark = 1;
	for (size_t i = 0; i < nb; i++) {
		arr[i]->mark = 0;
		arr[i]->eidx = i;
	}
	for (size_t i = 0; i < old_nb; i++)
		if (old[i]->mark)
			entry_free(old[i]);
	if (old != arr)
		free(old);
	return 0;
}

/* Returns a copy of the entries of <m> that <keep>(entry, <arg>) accepts,
 * with room for one more, in *<arr>, *<nb> and *<alloc>. Returns 0 or -ENOMEM.
 */
static int entries_filter(const struct pat_ref *m, int (*keep)(const struct map_entry *, const void *),
			  const void *arg, struct map_entry ***arr, size_t *nb, size_t *alloc)
{
	*alloc = m->nb + 1;
	*nb = 0;
	*arr = malloc(*alloc * sizeof(**arr));
	if (!*arr)
		return -ENOMEM;
	for (size_t i = 0; i < m->nb; i++)
		if (!keep || keep(m->entries[i], arg))
			(*arr)[(*nb)++] = m->entries[i];
	return 0;
}

void pat_ref_set_place(const char *file, int line)
{
	place_file = file ? file : "";
	place_line = line;
}

/* Appends to the description of <m> the text formatted after <sep>.
 * Returns 0 or -ENOMEM.
 */
static int PRINTF_FMT(3, 4) ref_describe(struct pat_ref *m, const char *sep, const char *fmt, ...)
{
	char *more = NULL, *all;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&more, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	if (!m->display) {
		m->display = more;
		return 0;
	}
	ret = asprintf(&all, "%s%s%s", m->display, sep, more);
	free(more);
	if (ret < 0)
		return -ENOMEM;
	free(m->display);
	m->display = all;
	return 0;
}

/* Returns a new reference of <kind> named <path> ("" if anonymous), not
 * yet registered, or NULL.
 */
static struct pat_ref *ref_new(const char *path, unsigned int kind)
{
	struct pat_ref *m = calloc(1, sizeof(*m));

	if (!m || !(m->path = strdup(path))) {
		free(m);
		return NULL;
	}
	list_init(&m->list);
	m->kind = kind;
	return m;
}

/* Registers the new reference <m> with the next id. */
static void ref_register(struct pat_ref *m)
{
	m->id = map_next_id++;
	m->refcnt = 1;
	list_append(&map_files, &m->list);
}

int pat_ref_get_file(const char *name, unsigned int kind, int two_col, struct pat_ref **out,
		     char **err)
{
	const char *what = kind == PAT_REF_MAP ? "map" : "acl";
	struct pat_ref *m;
	int opt = 0, ret;

	if (strncmp(name, "virt@", 5) == 0)
		return err_set(err, "virtual map '%s' is not supported: only maps loaded from a file can be changed at run time",
			       name);
	if (strncmp(name, "opt@", 4) == 0) {
		opt = 1;
		name += 4;
	} else if (strncmp(name, "file@", 5) == 0) {
		name += 5;
	}
	if (!*name)
		return err_set(err, "missing %s file name", kind == PAT_REF_MAP ? "map" : "pattern");

	list_for_each(m, &map_files, list) {
		if (m->kind != kind || m->two_col != two_col || strcmp(m->path, name) != 0)
			continue;
		if (m->absent && !opt)
			return err_set(err, "cannot open map file '%s': %s", name, strerror(ENOENT));
		if (ref_describe(m, ", ", "by %s at file '%s' line %d", what, place_file, place_line) < 0)
			return err_set(err, "out of memory"), -ENOMEM;
		m->refcnt++;
		*out = m;
		return 0;
	}

	m = ref_new(name, kind);
	if (!m || ref_describe(m, "", "pattern loaded from file '%s' used by %s at file '%s' line %d",
			       name, what, place_file, place_line) < 0) {
		if (m)
			map_free(m);
		return err_set(err, "out of memory loading file '%s'", name), -ENOMEM;
	}
	m->two_col = two_col;
	if (opt && access(name, F_OK) < 0 && errno == ENOENT) {
		m->absent = 1;
	} else {
		ret = pat_read_file(name, kind == PAT_REF_MAP ? "map" : "pattern", two_col,
				    map_add_line, m, err);
		if (ret < 0) {
			map_free(m);
			return ret;
		}
	}
	ref_register(m);
	*out = m;
	return 0;
}

struct pat_ref *pat_ref_new_anon(const char *kw, size_t len)
{
	struct pat_ref *m = ref_new("", PAT_REF_ACL);

	if (!m || ref_describe(m, "", "acl '%.*s' file '%s' line %d", (int)len, kw,
			       place_file, place_line) < 0) {
		if (m)
			map_free(m);
		return NULL;
	}
	ref_register(m);
	return m;
}

int pat_ref_add_pattern(struct pat_ref *m, const char *text, int op, char **err)
{
	struct map_entry *e = entry_new(text, "", 0, m->curr_ver);

	if (!e || entries_push(&m->entries, &m->nb, &m->alloc, e) < 0) {
		if (e)
			entry_free(e);
		return err_set(err, "out of memory"), -ENOMEM;
	}
	e->op = (unsigned char)op;
	return 0;
}

/* Records that set <set> and output <out> (MAP_OUT_*, -1 for none) use
 * <m>, and rebuilds its view if that needs a new index or conversion.
 * Errors name the file and the line.
 */
static int ref_use(struct pat_ref *m, int set, int out, char **err)
{
	uint64_t used = m->used | (uint64_t)1 << set;
	unsigned int outs = m->outs | (out >= 0 ? 1U << out : 0);
	struct map_entry **arr;
	size_t nb, alloc;

	if (m->view && used == m->used && outs == m->outs)
		return 0;
	if (used != m->used)
		m->uses[m->nb_uses++] = (unsigned char)set;
	m->used = used;
	m->outs = outs;
	if (entries_filter(m, NULL, NULL, &arr, &nb, &alloc) < 0)
		return err_set(err, "out of memory indexing '%s'", m->display), -ENOMEM;
	return map_replace(m, arr, nb, alloc, m->curr_ver, 1, err);
}

int pat_ref_use(struct pat_ref *m, int match, unsigned int pflags, unsigned int sflags, char **err)
{
	int set = match + PAT_MATCH_NUM * ((sflags & PATSET_F_DOTTED) ? 2 : (pflags & PAT_F_ICASE) ? 1 : 0);
	int ret = ref_use(m, set, -1, err);

	return ret < 0 ? ret : set;
}

long pat_ref_match(const struct pat_ref *m, int set, struct sample *smp)
{
	return patset_lookup(m->view->sets[set], smp);   /* replaced only under isolation */
}

/* Records that a converter <kw> of method <match> and output <out> uses
 * <m> (see ref_use()).
 */
static int map_use(struct pat_ref *m, int match, int out, const struct sample_conv_kw *kw,
		   char **err)
{
	if (out == MAP_OUT_INT && !m->int_kw)
		m->int_kw = kw->name;
	if (out == MAP_OUT_IP && !m->ip_kw)
		m->ip_kw = kw->name;
	return ref_use(m, match, out, err);
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

/* map_regm's value: the value of entry <i> with its \0..\9 replaced by
 * the groups of its key matched on <smp>. Returns 1, or 0 if it does not
 * fit.
 */
static int map_regm_value(const struct map_view *view, long i, struct sample *smp)
{
	const struct map_entry *e = view->e[i];
	const char *in = smp->data.u.str.ptr;
	regmatch_t pm[10] = { { .rm_so = 0, .rm_eo = (regoff_t)smp->data.u.str.len } };
	char *out = sample_scratch();
	size_t o = 0;

	if (regexec(&view->regm[i], smp->data.u.str.len ? in : "", 10, pm, REG_STARTEND) != 0)
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
	struct pat_ref *m = NULL;

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
	ret = pat_ref_get_file(args[0].data.str.ptr, PAT_REF_MAP, 1, &m, err);
	if (ret < 0)
		return ret;
	ret = map_use(m, match, out, kw, err);
	if (ret < 0) {
		pat_ref_release(m);
		return ret;
	}
	free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_OBJ;
	args[0].data.obj.ptr = m;
	args[0].data.obj.free = pat_ref_release;
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
	const struct pat_ref *m = args[0].data.obj.ptr;
	const struct map_view *v = m->view;    /* replaced only under isolation */
	long i = patset_lookup(v->sets[MAP_KIND_MATCH(private)], smp);
	const struct map_entry *e;

	if (i < 0)
		return map_default(&args[1], smp);
	e = v->e[i];
	switch (MAP_KIND_OUT(private)) {
	case MAP_OUT_STR:
		sample_set_str(smp, e->value, e->vlen);
		break;
	case MAP_OUT_INT:
		smp->data = v->ints[i];
		break;
	case MAP_OUT_IP:
		smp->data = v->addrs[i];
		break;
	case MAP_OUT_KEY:
		sample_set_str(smp, e->key, (size_t)(e->value - e->key - 1));
		break;
	case MAP_OUT_REGM:
		return map_regm_value(v, i, smp);
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

const struct pat_ref *pat_ref_next(const struct pat_ref *prev, unsigned int kind)
{
	const struct list *next = prev ? prev->list.next : map_files.next;

	for (; next != &map_files; next = next->next)
		if (container_of(next, struct pat_ref, list)->kind == kind)
			return container_of(next, struct pat_ref, list);
	return NULL;
}

struct pat_ref *pat_ref_lookup(const char *name, unsigned int kind)
{
	struct pat_ref *m;
	char *end;
	unsigned long id = 0;

	if (*name == '#') {
		id = strtoul(name + 1, &end, 10);
		if (!name[1] || *end)
			return NULL;
	}
	list_for_each(m, &map_files, list)
		if (m->kind == kind && (*name == '#' ? m->id == id : strcmp(m->path, name) == 0))
			return m;
	return NULL;
}

const char *pat_ref_display(const struct pat_ref *map)
{
	return map->display;
}

unsigned int pat_ref_id(const struct pat_ref *map)
{
	return map->id;
}

const char *pat_ref_path(const struct pat_ref *map)
{
	return map->path;
}

size_t pat_ref_size(const struct pat_ref *map)
{
	return map->nb;
}

unsigned int pat_ref_curr_ver(const struct pat_ref *map)
{
	return map->curr_ver;
}

unsigned int pat_ref_next_ver(const struct pat_ref *map)
{
	return map->next_ver;
}

const void *pat_ref_entry(const struct pat_ref *map, size_t i, const char **key,
		      const char **value, unsigned int *gen)
{
	*key = map->entries[i]->key;
	*value = map->entries[i]->value;
	*gen = map->entries[i]->gen;
	return map->entries[i];
}

/* Selects the entries of the current version named by <arg>: a key, or
 * "#<address>" as "show map" prints it.
 */
static int entry_named(const struct map_entry *e, const char *name)
{
	char ref[32];

	if (*name != '#')
		return strcmp(e->key, name) == 0;
	snprintf(ref, sizeof(ref), "#%p", (const void *)e);
	return strcmp(ref, name) == 0;
}

struct entry_sel {
	unsigned int gen;
	const char *name;                      /* NULL: every entry of <gen> */
};

static int entry_other(const struct map_entry *e, const void *arg)
{
	const struct entry_sel *sel = arg;

	return e->gen != sel->gen || (sel->name && !entry_named(e, sel->name));
}

/* del map #<address>: the entry named, by a rebuild. */
static int ref_del_rebuild(struct pat_ref *m, const char *key, char **err)
{
	struct entry_sel sel = { m->curr_ver, key };
	struct map_entry **arr;
	size_t nb, alloc;

	if (entries_filter(m, entry_other, &sel, &arr, &nb, &alloc) < 0)
		return err_set(err, "out of memory"), -ENOMEM;
	if (nb == m->nb) {
		free(arr);
		return -ENOENT;
	}
	return map_replace(m, arr, nb, alloc, m->curr_ver, 1, err);
}

/* Changes the values in place, so that the entries keep their address
 * (their "#<ref>"): the view is built from copies carrying the new values,
 * then, under isolation, it is pointed back at the entries whose buffers
 * are swapped with the copies'.
 */
static int ref_set_rebuild(struct pat_ref *m, const char *key, const char *value, char **err)
{
	struct map_entry **arr;
	struct map_view *v, *old_view;
	size_t nb, alloc, found = 0, k = 0;
	int ret = 0;

	if (entries_filter(m, NULL, NULL, &arr, &nb, &alloc) < 0)
		return err_set(err, "out of memory"), -ENOMEM;
	for (size_t i = 0; i < nb && !ret; i++) {
		if (arr[i]->gen != m->curr_ver || !entry_named(arr[i], key))
			continue;
		arr[i] = entry_new(arr[i]->key, value, 0, arr[i]->gen);   /* no longer the file's line */
		if (!arr[i]) {
			arr[i] = m->entries[i];
			ret = (err_set(err, "out of memory"), -ENOMEM);
		}
		found++;
	}
	v = ret || !found ? NULL : view_build(m, arr, nb, m->curr_ver, err);
	if (v) {
		for (size_t i = 0; i < nb; i++)
			if (arr[i]->gen == m->curr_ver) {
				m->entries[i]->vpos = k;
				v->e[k++] = m->entries[i];
			}
		old_view = m->view;
		m->view = v;
		for (size_t i = 0; i < nb; i++) {
			struct map_entry *n = arr[i], *o = m->entries[i], tmp;

			if (n == o)
				continue;
			tmp = *o;
			o->key = n->key;
			o->value = n->value;
			o->vlen = n->vlen;
			o->line = n->line;
			n->key = tmp.key;
			n->value = tmp.value;
		}
		view_free(old_view);
	}
	for (size_t i = 0; i < nb; i++)
		if (arr[i] != m->entries[i])
			entry_free(arr[i]);
	free(arr);
	if (!found)
		return -ENOENT;
	return v ? 0 : ret < 0 ? ret : -EINVAL;
}

static int ref_clear(struct pat_ref *m, unsigned int ver, char **err)
{
	struct entry_sel sel = { ver, NULL };
	struct map_entry **arr;
	size_t nb, alloc;

	if (entries_filter(m, entry_other, &sel, &arr, &nb, &alloc) < 0)
		return err_set(err, "out of memory"), -ENOMEM;
	return map_replace(m, arr, nb, alloc, m->curr_ver, ver == m->curr_ver, err);
}

unsigned int pat_ref_prepare(struct pat_ref *m)
{
	return ++m->next_ver;
}

/* Keeps the entries of versions <ver> and later (up to next_ver). */
static int entry_not_past(const struct map_entry *e, const void *arg)
{
	unsigned int ver = ((const struct entry_sel *)arg)->gen;

	return (int)(e->gen - ver) >= 0;
}

static int ref_commit(struct pat_ref *m, unsigned int ver, char **err)
{
	struct entry_sel sel = { ver, NULL };
	struct map_entry **arr;
	size_t nb, alloc;

	if (ver - m->curr_ver - 1 >= m->next_ver - m->curr_ver)
		return -ERANGE;
	if (entries_filter(m, entry_not_past, &sel, &arr, &nb, &alloc) < 0)
		return err_set(err, "out of memory"), -ENOMEM;
	return map_replace(m, arr, nb, alloc, ver, 1, err);
}

unsigned int pat_ref_nb_uses(const struct pat_ref *m)
{
	return m->nb_uses;
}

int pat_ref_get(const struct pat_ref *m, unsigned int u, const char *text, int *match,
		int *icase, const char **key, const char **value)
{
	int set = m->uses[u];
	struct sample smp;
	long i;

	*match = SET_MATCH(set);
	*icase = SET_VAR(set) == 1;
	sample_set_str(&smp, text, strlen(text));
	i = patset_lookup(m->view->sets[set], &smp);
	if (i < 0 || (size_t)i >= m->view->nb || !m->view->e[i])
		return 0;   /* found/bool answer 0 without a pattern: there may be no entry there */
	*key = m->view->e[i]->key;
	*value = m->view->e[i]->value;
	return 1;
}

/* ---- incremental changes (one entry), under the writers' lock ---- */

static uint64_t key_hash(const char *k)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 0x100000001b3ULL;
	return h;
}

/* (Re)builds the key chains of <m> for its entries. Returns 0 or -ENOMEM. */
static int kh_build(struct pat_ref *m)
{
	size_t size = 16;
	struct map_entry **kh;

	while (size < 2 * m->nb)
		size *= 2;
	if (!(kh = calloc(size, sizeof(*kh))))
		return -ENOMEM;
	free(m->kh);
	m->kh = kh;
	m->kh_mask = size - 1;
	for (size_t i = m->nb; i-- > 0;) {   /* chains in order added */
		struct map_entry **head = &kh[key_hash(m->entries[i]->key) & m->kh_mask];

		m->entries[i]->knext = *head;
		*head = m->entries[i];
	}
	return 0;
}

/* Returns the first entry of version <gen> of <m> whose key is <key> after
 * <prev> (NULL: the first), or NULL.
 */
static struct map_entry *kh_find(struct pat_ref *m, const char *key, unsigned int gen,
				 struct map_entry *prev)
{
	struct map_entry *e;

	if (!m->kh && kh_build(m) < 0) {
		for (size_t i = 0; i < m->nb; i++)   /* no memory: scan */
			if (m->entries[i] == prev)
				prev = NULL;
			else if (!prev && m->entries[i]->gen == gen && strcmp(m->entries[i]->key, key) == 0)
				return m->entries[i];
		return NULL;
	}
	e = prev ? prev->knext : m->kh[key_hash(key) & m->kh_mask];
	for (; e; e = e->knext)
		if (e->gen == gen && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Records the new last entry <e> of <m> in the key chains (at the end of
 * its chain), or drops them (rebuilt on the next use) when they are full.
 */
static void kh_insert(struct pat_ref *m, struct map_entry *e)
{
	struct map_entry **p;

	if (!m->kh)
		return;
	if (m->nb > 2 * (m->kh_mask + 1)) {
		free(m->kh);
		m->kh = NULL;
		return;
	}
	e->knext = NULL;
	for (p = &m->kh[key_hash(e->key) & m->kh_mask]; *p; p = &(*p)->knext)
		;
	*p = e;
}

static void kh_remove(struct pat_ref *m, struct map_entry *e)
{
	struct map_entry **p;

	if (!m->kh)
		return;
	for (p = &m->kh[key_hash(e->key) & m->kh_mask]; *p && *p != e; p = &(*p)->knext)
		;
	if (*p)
		*p = e->knext;
}

/* Converts the value <val> of <e> for the outputs of <m> into <ival> and
 * <aval>. Returns 0, or -EINVAL with *<err> set.
 */
static int value_convert(const struct pat_ref *m, const struct map_entry *e, const char *val,
			 size_t vlen, struct sample_data *ival, struct sample_data *aval, char **err)
{
	for (int out = MAP_OUT_INT; out <= MAP_OUT_IP; out++) {
		if (!(m->outs & (1U << out)) ||
		    map_parse_value(val, vlen, out, out == MAP_OUT_INT ? ival : aval))
			continue;
		err_set(err, "'%s' is not %s (%s)", val,
			out == MAP_OUT_INT ? "an integer" : "an IPv4 or IPv6 address",
			out == MAP_OUT_INT ? m->int_kw : m->ip_kw);
		entry_err(m, e, err);
		return -EINVAL;
	}
	return 0;
}

/* Grows the arrays of view <v> by doubling. Returns 0 or -ENOMEM. */
static int view_reserve(struct map_view *v)
{
	size_t n = 2 * v->alloc;
	void *p;

	if (v->nb < v->alloc)
		return 0;
	if (!(p = realloc(v->e, n * sizeof(*v->e))))
		return -ENOMEM;
	v->e = p;
	if (v->ints) {
		if (!(p = realloc(v->ints, n * sizeof(*v->ints))))
			return -ENOMEM;
		v->ints = p;
	}
	if (v->addrs) {
		if (!(p = realloc(v->addrs, n * sizeof(*v->addrs))))
			return -ENOMEM;
		v->addrs = p;
	}
	if (v->regm) {
		if (!(p = realloc(v->regm, n * sizeof(*v->regm))))
			return -ENOMEM;
		v->regm = p;
	}
	v->alloc = n;
	return 0;
}

/* Appends entry <e> (of the current version) to the view of <m>: indexed
 * by every use, its value converted for every output. Returns 0, or <0
 * with *<err> set and the view unchanged.
 */
static int view_append(struct pat_ref *m, struct map_entry *e, char **err)
{
	struct map_view *v = m->view;
	struct sample_data ival = { 0 }, aval = { 0 };
	regex_t re;
	unsigned int u;
	int ret;

	for (u = 0; u < m->nb_uses; u++) {
		int set = m->uses[u];

		ret = patset_check(v->sets[set], e->key, SET_VAR(set) == 1 ? PAT_F_ICASE : 0, e->op, err);
		if (ret < 0)
			return entry_err(m, e, err), ret;
	}
	if ((ret = value_convert(m, e, e->value, e->vlen, &ival, &aval, err)) < 0)
		return ret;
	if (view_reserve(v) < 0)
		return err_set(err, "out of memory"), -ENOMEM;
	if (v->regm && regcomp(&re, e->key, REG_EXTENDED) != 0) {
		err_set(err, "invalid regex '%s'", e->key);
		return entry_err(m, e, err), -EINVAL;
	}
	for (u = 0; u < m->nb_uses; u++) {
		int set = m->uses[u];

		ret = patset_append(v->sets[set], e->key, SET_VAR(set) == 1 ? PAT_F_ICASE : 0, e->op, err);
		if (ret < 0)
			break;
	}
	if (ret < 0) {
		while (u-- > 0)
			patset_pop(v->sets[m->uses[u]]);
		if (v->regm)
			regfree(&re);
		return ret;
	}
	if (v->ints)
		v->ints[v->nb] = ival;
	if (v->addrs)
		v->addrs[v->nb] = aval;
	if (v->regm)
		v->regm[v->nb] = re;
	e->vpos = v->nb;
	v->e[v->nb++] = e;
	return 0;
}

/* Removes entry <e> (of the current version) from the view of <m>: no
 * lookup finds it any more; the others keep their positions.
 */
static void view_remove(struct pat_ref *m, struct map_entry *e)
{
	struct map_view *v = m->view;

	for (unsigned int u = 0; u < m->nb_uses; u++)
		patset_remove(v->sets[m->uses[u]], e->vpos);
	if (v->regm)
		regfree(&v->regm[e->vpos]);
	v->e[e->vpos] = NULL;
	v->dead++;
}

/* Rebuilds the view of <m> once removed entries outnumber the live ones,
 * so that a view costs O(live entries) (amortized O(1) per removal).
 */
static void view_compact(struct pat_ref *m)
{
	struct map_view *v = m->view, *n;

	if (v->dead < 64 || 2 * v->dead < v->nb)
		return;
	n = view_build(m, m->entries, m->nb, m->curr_ver, NULL);
	if (!n)
		return;   /* no memory: keep the one we have */
	for (size_t i = 0; i < m->nb; i++)
		m->entries[i]->eidx = i;
	m->view = n;
	view_free(v);
}

/* Adds <key> <value> to version <ver> of <m>. */
static int ref_add(struct pat_ref *m, unsigned int ver, const char *key, const char *value, char **err)
{
	struct map_entry *e = entry_new(key, value, 0, ver);
	int ret;

	if (!e || entries_push(&m->entries, &m->nb, &m->alloc, e) < 0) {
		if (e)
			entry_free(e);
		return err_set(err, "out of memory"), -ENOMEM;
	}
	if (ver == m->curr_ver && m->view && (ret = view_append(m, e, err)) < 0) {
		m->nb--;
		entry_free(e);
		return ret;
	}
	kh_insert(m, e);
	return 0;
}

/* Deletes every entry of the current version of <m> whose key is <key>. */
static int ref_del(struct pat_ref *m, const char *key)
{
	struct map_entry *e;
	int found = 0;

	while ((e = kh_find(m, key, m->curr_ver, NULL))) {
		size_t i;

		if (m->view)
			view_remove(m, e);
		kh_remove(m, e);
		/* its index is at most its hint: search down from there */
		for (i = e->eidx < m->nb ? e->eidx : m->nb - 1; m->entries[i] != e; i--)
			;
		memmove(&m->entries[i], &m->entries[i + 1], (m->nb - i - 1) * sizeof(*m->entries));
		m->nb--;
		entry_free(e);
		found = 1;
	}
	if (found && m->view)
		view_compact(m);
	return found ? 0 : -ENOENT;
}

/* Sets the value of every entry of the current version of <m> whose key
 * is <key> to <value>, in place (the entries keep their address).
 */
static int ref_set(struct pat_ref *m, const char *key, const char *value, char **err)
{
	struct map_entry *e = kh_find(m, key, m->curr_ver, NULL);
	struct sample_data ival = { 0 }, aval = { 0 };
	size_t klen = strlen(key), vlen = strlen(value);
	struct map_entry named;
	int ret;

	if (!e)
		return -ENOENT;
	named = *e;
	named.line = 0;   /* errors name the key: the value is no longer the file's */
	if ((ret = value_convert(m, &named, value, vlen, &ival, &aval, err)) < 0)
		return ret;
	for (; e; e = kh_find(m, key, m->curr_ver, e)) {
		char *buf = malloc(klen + vlen + 2);

		if (!buf)
			return err_set(err, "out of memory"), -ENOMEM;
		memcpy(buf, key, klen + 1);
		memcpy(buf + klen + 1, value, vlen + 1);
		free(e->key);
		e->key = buf;
		e->value = buf + klen + 1;
		e->vlen = vlen;
		e->line = 0;   /* no longer the file's line */
		if (m->view && m->view->ints)
			m->view->ints[e->vpos] = ival;
		if (m->view && m->view->addrs)
			m->view->addrs[e->vpos] = aval;
	}
	return 0;
}

/* ---- changes: the writers' lock, then one of the above ---- */

int pat_ref_add(struct pat_ref *m, unsigned int ver, const char *key, const char *value, char **err)
{
	int taken = ref_lock(), ret = ref_add(m, ver, key, value, err);

	ref_unlock(taken);
	return ret;
}

int pat_ref_del(struct pat_ref *m, const char *key, char **err)
{
	int taken = ref_lock();
	int ret = *key == '#' ? ref_del_rebuild(m, key, err) : ref_del(m, key);

	ref_unlock(taken);
	return ret;
}

int pat_ref_set(struct pat_ref *m, const char *key, const char *value, char **err)
{
	int taken = ref_lock();
	int ret = *key == '#' ? ref_set_rebuild(m, key, value, err) : ref_set(m, key, value, err);

	ref_unlock(taken);
	return ret;
}

int pat_ref_put(struct pat_ref *m, const char *key, const char *value, int replace, char **err)
{
	int taken = ref_lock(), ret = 0;

	if (!kh_find(m, key, m->curr_ver, NULL))
		ret = ref_add(m, m->curr_ver, key, value, err);
	else if (replace)
		ret = ref_set(m, key, value, err);
	ref_unlock(taken);
	return ret;
}

int pat_ref_clear(struct pat_ref *m, unsigned int ver, char **err)
{
	int taken = ref_lock(), ret = ref_clear(m, ver, err);

	ref_unlock(taken);
	return ret;
}

int pat_ref_commit(struct pat_ref *m, unsigned int ver, char **err)
{
	int taken = ref_lock(), ret = ref_commit(m, ver, err);

	ref_unlock(taken);
	return ret;
}
