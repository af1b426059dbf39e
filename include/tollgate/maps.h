/*
 * Maps: HAProxy's map converters, read-only.
 *
 * Principle. "map_<match>_<output>(<file>[,<default>])" looks its input up
 * among the keys of a map file with a matching method (str, beg, sub, dir,
 * dom, end, reg, int, ip) and returns the value of the line that matched,
 * typed as <output> (str, int, ip) or the key itself (key); "map" is
 * map_str. The file is loaded when the configuration is parsed, by the
 * converter's check callback: a file is read once, whichever converters
 * use it, and the keys are indexed once per matching method (a pattern
 * set, patset.h: first match in file order, longest prefix for ip, O(1)
 * for str). Values are converted once per output type, so a value that is
 * not an integer is a configuration error naming the file and the line.
 *
 * File format (HAProxy's): one "key value" per line; a '#' in the first
 * column starts a comment; leading blanks are stripped; the key is the
 * first word; the value is the rest of the line after the blanks that
 * follow the key, trailing blanks removed (it may contain blanks); empty
 * lines are skipped. "file@<path>" is <path>; "opt@<path>" may be missing
 * (an empty map).
 *
 * Run-time changes (the admin socket's add/set/del/clear/prepare/commit
 * map, the set-map/del-map/add-acl/del-acl actions). A map holds entries
 * of several versions (HAProxy's "@<ver>"): the converters see those of
 * the current version only, through a view (the entries of that version,
 * their indexes and converted values). Every change runs whole under
 * thread isolation (isolate.h), which is the writers' lock: the admin
 * socket and the workers' actions take their turns, and no lookup runs
 * meanwhile, so that none sees a half-made change and lookups take no
 * lock. One entry added, set or deleted by key (add map, set map <key>,
 * del map <key>, the actions) changes the view in place: the key is
 * indexed (patset_append(): O(1) amortized for str), a deleted entry is
 * removed from the indexes and leaves a hole in the positions, a set
 * value replaces the entry's buffer; the view is rebuilt once holes
 * outnumber entries. Clear, commit and the "#<address>" forms build a new
 * view aside, O(N), and swap it.
 *
 * Ownership and threads. The registry of loaded files belongs to the
 * configuration: it changes only while expressions are parsed or freed
 * (start-up, shutdown), never while workers run. A loaded map is
 * reference-counted by the expressions using it (an SMP_ARGT_OBJ argument).
 * Any number of threads look it up at once, without lock or allocation;
 * its view is replaced only while every worker is parked (see above). The
 * functions below are for the admin socket (its thread, one command at a
 * time, while the configuration is in force).
 *
 * Pattern references. A loaded map file is one "pattern reference", as
 * HAProxy names them; so is each pattern file an ACL loads with "-f" and
 * the inline patterns of each ACL test (an anonymous reference, known by
 * its id only). They share one registry and one numbering (HAProxy's
 * "#<id>"), the versions and the run-time changes above: an ACL test
 * evaluates the current view of each of its references, so "add acl" and
 * "del acl" change the traffic's decisions at once, as "add map" does
 * its lookups. A reference is of one kind, map or ACL ("show map" and
 * "show acl" list theirs); a file used both by a map converter and by an
 * ACL is two references. Each distinct use (matching method, ignoring
 * case or not, dotted versions) gets its own pattern set in the view.
 *
 * Costs: one allocation per line (key and value together), plus one
 * pattern set per matching method used, plus 24 bytes per line for each
 * typed output used (int, ip). A lookup costs what the pattern set's
 * method costs (O(1) for str, O(P log N) for ip, O(N) scans otherwise).
 */
#ifndef TOLLGATE_MAPS_H
#define TOLLGATE_MAPS_H

#include <stddef.h>

#include <tollgate/sample-t.h>

struct pat_ref;   /* a pattern reference (opaque) */

/* Kinds of references. */
#define PAT_REF_MAP  0x1U   /* a map file, used by map converters */
#define PAT_REF_ACL  0x2U   /* ACL patterns: a "-f" file or an ACL test's own */

/* ---- configuration time ---- */

/* Sets the configuration place (file, line) that the references created
 * or used next describe ("used by acl at file 'f' line 3"). The
 * configuration driver calls it before each keyword.
 */
void pat_ref_set_place(const char *file, int line);

/* Takes a reference to the file reference <name> ("[file@|opt@]<path>")
 * of <kind>, loading the file if no reference of that kind reads it yet:
 * with <two_col>, the key is the first word of each line and the value
 * the rest (map files, "-M"), else the key is the whole line. Returns 0
 * with *<out> set, or <0 with *<err> set.
 */
int pat_ref_get_file(const char *name, unsigned int kind, int two_col, struct pat_ref **out,
		     char **err);

/* Returns a new anonymous ACL reference described as an ACL test of the
 * fetch keyword <kw> (<len> bytes) at the current place, or NULL when out
 * of memory. The caller holds its only reference.
 */
struct pat_ref *pat_ref_new_anon(const char *kw, size_t len);

/* Appends the pattern <text> with integer operator <op> (PAT_OP_*) to the
 * current version of <ref>, before its first pat_ref_use(). Returns 0 or
 * -ENOMEM with *<err> set.
 */
int pat_ref_add_pattern(struct pat_ref *ref, const char *text, int op, char **err);

/* Records a use of <ref> by an ACL test of method <match> with pattern
 * flags <pflags> (PAT_F_ICASE) and set flags <sflags> (PATSET_F_DOTTED),
 * building its patterns for that use. Returns the set to pass to
 * pat_ref_match(), or <0 with *<err> naming the faulty pattern.
 */
int pat_ref_use(struct pat_ref *ref, int match, unsigned int pflags, unsigned int sflags,
		char **err);

/* Drops a reference taken by pat_ref_get_file() or pat_ref_new_anon(),
 * freeing <ref> (a struct pat_ref *) with the last one.
 */
void pat_ref_release(void *ref);

/* ---- traffic ---- */

/* Returns the position of the first pattern of the current version of
 * <ref> that <smp> matches in set <set>, or -1 (patset_lookup()).
 * Thread-safe, lock- and allocation-free.
 */
long pat_ref_match(const struct pat_ref *ref, int set, struct sample *smp);

/* ---- admin socket ---- */

/* Returns the reference of <kind> after <prev> in creation order, the
 * first one if <prev> is NULL, or NULL after the last.
 */
const struct pat_ref *pat_ref_next(const struct pat_ref *prev, unsigned int kind);

/* Returns the reference of <kind> named <name>: its file name as the
 * configuration wrote it (without "file@" or "opt@"), or "#<id>". NULL if
 * none.
 */
struct pat_ref *pat_ref_lookup(const char *name, unsigned int kind);

/* Returns the unique id of <ref> (0, 1... in creation order, maps and ACLs
 * together, as HAProxy numbers them).
 */
unsigned int pat_ref_id(const struct pat_ref *ref);

/* Returns the file name of <ref>, "" if anonymous. */
const char *pat_ref_path(const struct pat_ref *ref);

/* Returns HAProxy's description of <ref> ("pattern loaded from file 'f'
 * used by map at file 'c' line 3", "acl 'src' file 'c' line 4").
 */
const char *pat_ref_display(const struct pat_ref *ref);

/* Returns the number of entries of <ref>, all versions together. */
size_t pat_ref_size(const struct pat_ref *ref);

/* Returns the version the traffic sees, and the last one prepared. */
unsigned int pat_ref_curr_ver(const struct pat_ref *ref);
unsigned int pat_ref_next_ver(const struct pat_ref *ref);

/* Sets *<key>, *<value> and *<gen> (its version) to entry <i> (<
 * pat_ref_size()) of <ref>, in the order added, and returns the entry's
 * address (HAProxy's "0x..." in "show map <file>", "#0x..." in del/set).
 */
const void *pat_ref_entry(const struct pat_ref *ref, size_t i, const char **key,
			  const char **value, unsigned int *gen);

/* Changes. <key> in pat_ref_del()/pat_ref_set() is a key or "#<address>";
 * they apply to every entry of the current version it names and return
 * -ENOENT if there is none. Every change returns 0, or <0 with *<err> set
 * (a key the converters or ACL tests using the reference cannot index, a
 * value they cannot convert, no memory: the reference is then unchanged).
 */
int pat_ref_add(struct pat_ref *ref, unsigned int ver, const char *key, const char *value,
		char **err);
int pat_ref_del(struct pat_ref *ref, const char *key, char **err);
int pat_ref_set(struct pat_ref *ref, const char *key, const char *value, char **err);
int pat_ref_clear(struct pat_ref *ref, unsigned int ver, char **err);

/* The traffic's changes (set-map, add-acl): adds <key> <value> to the
 * current version of <ref> unless an entry has that key; with <replace>,
 * sets the value of those that have it instead. Returns 0 or <0 with
 * *<err> set.
 */
int pat_ref_put(struct pat_ref *ref, const char *key, const char *value, int replace, char **err);

/* Allocates and returns a new version (next_ver + 1). */
unsigned int pat_ref_prepare(struct pat_ref *ref);

/* Makes <ver> the current version and drops the entries of older ones;
 * -ERANGE unless curr_ver < <ver> <= next_ver (modulo 2^32).
 */
int pat_ref_commit(struct pat_ref *ref, unsigned int ver, char **err);

/* Returns the number of distinct uses of <ref> (a method with its
 * variant: one per map converter method, one per ACL test flavour), in
 * first-use order: the lines of "get map|acl".
 */
unsigned int pat_ref_nb_uses(const struct pat_ref *ref);

/* Looks <text> up in the current version of <ref> as use <u> does, setting
 * *<match> to its method and *<icase> to 1 if it ignores case. Returns 1
 * with *<key> and *<value> set to the entry that matched, else 0.
 */
int pat_ref_get(const struct pat_ref *ref, unsigned int u, const char *text, int *match,
		int *icase, const char **key, const char **value);

#endif /* TOLLGATE_MAPS_H */
