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
 * (an empty map). Maps cannot be changed at run time.
 *
 * Ownership and threads. The registry of loaded files belongs to the
 * configuration: it changes only while expressions are parsed or freed
 * (start-up, shutdown), never while workers run. A loaded map is
 * reference-counted by the expressions using it (an SMP_ARGT_OBJ argument)
 * and read-only: any number of threads look it up at once, without lock
 * or allocation. The functions below are for the admin socket (thread 0,
 * while the configuration is in force).
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
const struct map_file *map_lookup(const char *name);

/* Returns the unique id of <map> (0, 1... in load order). */
unsigned int map_id(const struct map_file *map);

/* Returns the file name of <map>. */
const char *map_path(const struct map_file *map);

/* Returns the number of entries (lines with a key) of <map>. */
size_t map_size(const struct map_file *map);

/* Sets *<key> and *<value> to entry <i> (< map_size()) of <map>, in file
 * order, and returns the entry's address (a stable identifier, HAProxy's
 * "0x..." in "show map <file>").
 */
const void *map_entry(const struct map_file *map, size_t i, const char **key,
		      const char **value);

#endif /* TOLLGATE_MAPS_H */
