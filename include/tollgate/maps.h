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
 * map). A map holds entries of several versions (HAProxy's "@<ver>"): the
 * converters see those of the current version only. Each change that
 * touches the current version builds a new view of it (the entries of that
 * version, their indexes and converted values, all immutable) and swaps it
 * in under thread isolation (isolate.h), then frees the old view and the
 * removed entries: a lookup never sees a half-made change, and costs the
 * same as before. The price is on the writer: a change rebuilds the
 * indexes, O(N) for a map of N entries (a payload of many "add map" lines
 * is one change per line; prepare/commit makes it one rebuild).
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
 * Costs: one allocation per line (key and value together), plus one
 * pattern set per matching method used, plus 24 bytes per line for each
 * typed output used (int, ip). A lookup costs what the pattern set's
 * method costs (O(1) for str, O(P log N) for ip, O(N) scans otherwise).
 */
#ifndef TOLLGATE_MAPS_H
#define TOLLGATE_MAPS_H

#include <stddef.h>

struct map_file;   /* a loaded map file (opaque) */

/* Returns the loaded map after <prev> in load order, the first one if
 * <prev> is NULL, or NULL after the last.
 */
const struct map_file *map_next(const struct map_file *prev);

/* Returns the map named <name>: its file name as the configuration wrote
 * it (without "file@" or "opt@"), or "#<id>". NULL if none.
 */
struct map_file *map_lookup(const char *name);

/* Returns the unique id of <map> (0, 1... in load order). */
unsigned int map_id(const struct map_file *map);

/* Returns the file name of <map>. */
const char *map_path(const struct map_file *map);

/* Returns the number of entries of <map>, all versions together. */
size_t map_size(const struct map_file *map);

/* Returns the version the converters see, and the last one prepared. */
unsigned int map_curr_ver(const struct map_file *map);
unsigned int map_next_ver(const struct map_file *map);

/* Sets *<key>, *<value> and *<gen> (its version) to entry <i> (<
 * map_size()) of <map>, in the order added, and returns the entry's
 * address (HAProxy's "0x..." in "show map <file>", "#0x..." in del/set).
 */
const void *map_entry(const struct map_file *map, size_t i, const char **key,
		      const char **value, unsigned int *gen);

/* Changes. <key> in map_del()/map_set() is a key or "#<address>"; they
 * apply to every entry of the current version it names and return
 * -ENOENT if there is none. Every change returns 0, or <0 with *<err> set
 * (a key the converters using the map cannot index, a value they cannot
 * convert, no memory: the map is then unchanged).
 */
int map_add(struct map_file *map, unsigned int ver, const char *key, const char *value,
	    char **err);
int map_del(struct map_file *map, const char *key, char **err);
int map_set(struct map_file *map, const char *key, const char *value, char **err);
int map_clear(struct map_file *map, unsigned int ver, char **err);

/* Allocates and returns a new version (next_ver + 1). */
unsigned int map_prepare(struct map_file *map);

/* Makes <ver> the current version and drops the entries of older ones;
 * -ERANGE unless curr_ver < <ver> <= next_ver (modulo 2^32).
 */
int map_commit(struct map_file *map, unsigned int ver, char **err);

/* Looks <text> up as the first converter using <map> does, in its current
 * version. Returns that converter's matching method with *<key> and
 * *<value> set, or -1 if nothing matches (or no converter uses the map).
 */
int map_get_entry(const struct map_file *map, const char *text, const char **key,
		  const char **value);

/* Returns the matching method of the first converter using <map>, or -1. */
int map_method(const struct map_file *map);

#endif /* TOLLGATE_MAPS_H */
