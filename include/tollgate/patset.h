/*
 * Pattern sets: the patterns of one ACL test or of one map, with their
 * matching method and their indexes.
 *
 * Principle. A pattern set is built at configuration time from pattern
 * texts added in order (ACL values, lines of a pattern or map file), then
 * frozen by patset_build(), which builds the indexes. It answers one
 * question: which pattern does this sample match first? Its answer is the
 * pattern's position, the order in which it was added (its line in a
 * file), so that an ACL asks "any?" (patset_match()) and a map asks
 * "which?" (patset_lookup()) and returns the value stored at that
 * position. "First" means:
 *  - str: the one pattern equal to the sample (duplicates are dropped, the
 *    first kept; a sample equal both to a case-sensitive pattern and to a
 *    -i one gets the case-sensitive one);
 *  - ip: the most specific network (longest prefix; among equal networks
 *    the first added), then v4 networks with non-prefix masks in order;
 *    a v4 sample then tries the v6 networks through ::ffff:a.b.c.d, a v6
 *    sample that maps a v4 address the v4 networks, as for ACLs;
 *  - every other method: the first matching pattern in order.
 * These are HAProxy's semantics for maps ("the first of the finest match").
 *
 * Ownership and threads. The creator owns the set and frees it with
 * patset_free(). Once built, a set is read-only: any number of threads
 * look samples up at once, without lock or allocation.
 *
 * Cost per lookup. str: O(1) expected (open-addressing hash). ip: O(P log
 * N) for N networks over P distinct prefix lengths (non-prefix v4 masks
 * scanned). int, len, bin: O(N). beg, end: O(N x pattern length). sub,
 * dir, dom: O(N x sample length x pattern length) worst case. reg: O(N x
 * regex cost).
 *
 * Return conventions as in sample.h: builders return 0 or -EINVAL/-ENOMEM
 * with *<err> set (when <err> is not NULL) to a malloc'ed one-line message
 * naming the faulty pattern.
 */
#ifndef TOLLGATE_PATSET_H
#define TOLLGATE_PATSET_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/sample-t.h>

/* Matching methods. The names are HAProxy's ("-m beg", "map_beg"). */
enum pat_match {
	PAT_MATCH_FOUND = 0,   /* the sample exists (takes no pattern) */
	PAT_MATCH_BOOL,        /* the sample is non-zero (takes no pattern) */
	PAT_MATCH_INT,         /* integer in a range */
	PAT_MATCH_IP,          /* address in a network */
	PAT_MATCH_BIN,         /* bytes equal a hex block */
	PAT_MATCH_LEN,         /* length in a range */
	PAT_MATCH_STR,         /* exact string */
	PAT_MATCH_BEG,         /* prefix */
	PAT_MATCH_END,         /* suffix */
	PAT_MATCH_SUB,         /* substring */
	PAT_MATCH_DIR,         /* slash-delimited part */
	PAT_MATCH_DOM,         /* dot-delimited part */
	PAT_MATCH_REG,         /* POSIX extended regex */
	PAT_MATCH_NUM          /* number of methods */
};

/* Operators of integer patterns (INT, LEN), applying to one value. */
enum pat_op { PAT_OP_EQ = 0, PAT_OP_GE, PAT_OP_GT, PAT_OP_LE, PAT_OP_LT };

/* Flags of a set (patset_new()). */
#define PATSET_F_DOTTED   0x1U  /* INT patterns are versions "M[.m]", M * 65536 + m */

/* Flags of one pattern (patset_add()). */
#define PAT_F_ICASE       0x1U  /* string methods and reg: compare ignoring case */

struct patset;   /* opaque */

/* Returns the method named <name> ("beg"), or -1. */
int pat_match_find(const char *name);

/* Returns the name of method <match>. */
const char *pat_match_name(int match);

/* Returns the sample type that method <match> casts a sample to before
 * matching (SMP_T_ANY for found, SMP_T_ADDR for ip).
 */
int pat_match_type(int match);

/* Parses the <len> bytes at <s> as a decimal integer with an optional
 * sign, within int64 (the numbers of integer patterns). Returns 0 with
 * *<out> set, or -EINVAL.
 */
int pat_parse_int(const char *s, size_t len, int64_t *out);

/* Returns a new empty set for method <match> with PATSET_F_* <flags>, or
 * NULL when out of memory.
 */
struct patset *patset_new(int match, unsigned int flags);

/* Parses <text> as a pattern of the set's method, with PAT_F_* <pflags>
 * and, for integers, operator <op> (PAT_OP_EQ otherwise), and appends it:
 * its position is the number of patterns added before. found and bool
 * take no pattern: the text is ignored (HAProxy does the same). Only
 * before patset_build(). Returns 0, or -EINVAL/-ENOMEM with *<err> set.
 */
int patset_add(struct patset *set, const char *text, unsigned int pflags, int op,
	       char **err);

/* Builds the indexes of <set>; nothing may be added afterwards. Returns 0,
 * or -ENOMEM (the set can then only be freed).
 */
int patset_build(struct patset *set);

/* Incremental changes of a built set (run-time changes of pattern
 * references, maps.c). The caller makes sure that no thread looks the set
 * up meanwhile (thread isolation): none of them is atomic for a reader.
 *
 * patset_check() parses <text> as patset_add() would, without adding it:
 * 0, or -EINVAL/-ENOMEM with *<err> set. patset_append() adds it at the
 * next position (the number of patterns added before, removed ones
 * included) and indexes it: O(1) amortized for str, O(log N) search plus
 * an array insertion for ip, O(1) for the scanned methods; 0, or <0 with
 * *<err> set and the set unchanged. patset_remove() makes the pattern at
 * <pos> match no more, keeping the positions of the others (removed
 * patterns stay until the set is freed: rebuild a set that holds many);
 * where the index had dropped a duplicate of it, that one takes its place
 * (an O(N) search, only in a set that ever held a duplicate).
 * patset_pop() undoes the last patset_append().
 */
int patset_check(const struct patset *set, const char *text, unsigned int pflags, int op,
		 char **err);
int patset_append(struct patset *set, const char *text, unsigned int pflags, int op,
		  char **err);
void patset_remove(struct patset *set, size_t pos);
void patset_pop(struct patset *set);

/* Returns the position of the pattern of the built <set> that <smp>
 * matches first (see the principle), or -1 if none does. The sample is
 * cast in place to pat_match_type() (a failed cast matches nothing). The
 * methods without patterns answer 0 for a sample that passes (found:
 * always; bool: non-zero). Thread-safe, allocation-free.
 */
long patset_lookup(const struct patset *set, struct sample *smp);

/* Returns 1 if <smp> matches a pattern of <set> (patset_lookup() >= 0). */
static inline int patset_match(const struct patset *set, struct sample *smp)
{
	return patset_lookup(set, smp) >= 0;
}

/* Returns the method of <set>. */
int patset_method(const struct patset *set);

/* Returns the number of patterns in <set>. */
size_t patset_count(const struct patset *set);

/* Frees <set> and its patterns (NULL is fine). */
void patset_free(struct patset *set);

/* Called by pat_read_file() for each entry: <key> and <value> are
 * NUL-terminated in the line buffer (copy them to keep them); <line> is
 * the line number. Returns 0, or <0 with *<err> set (without file:line,
 * which pat_read_file() does not add either: the callback knows the line).
 */
typedef int (*pat_line_fn)(void *arg, char *key, char *value, int line, char **err);

/* Reads the pattern file <path> (<kind> names it in messages: "pattern",
 * "map"), calling <fn>(<arg>, ...) for each entry. The format is
 * HAProxy's: a '#' in the first column starts a comment; leading blanks
 * are stripped; empty lines are skipped; a line ends at CR or LF. Without
 * <map> the key is the whole rest of the line and the value "". With
 * <map> the key is the first word (up to a blank) and the value is what
 * follows the blanks after it, trailing blanks removed ("" if none).
 * Returns 0, the first error of <fn>, or -errno with *<err> set ("cannot
 * open <kind> file '<path>': <why>") when the file cannot be read.
 */
int pat_read_file(const char *path, const char *kind, int map, pat_line_fn fn,
		  void *arg, char **err);

#endif /* TOLLGATE_PATSET_H */
