/*
 * ACLs and conditions, in HAProxy's language.
 *
 * Principle. An ACL is a named test: a sample expression (sample.h), a
 * matching method and a set of patterns, declared with
 *
 *     acl <name> <criterion> [flags] [operator] [<value>] ...
 *
 * Declaring the same name again adds a test: the ACL matches when any of
 * its tests matches (HAProxy semantics). A condition combines ACLs after
 * "if" or "unless": terms side by side are ANDed, "||" (or "or") separates
 * ORed groups, "!" negates a term, and "{ criterion ... }" declares an
 * anonymous ACL in place (braces are separate words). A test whose sample
 * cannot be fetched does not match (so "!acl" then matches).
 *
 * Flags: -i (ignore case for the patterns that follow), -f <file> (one
 * pattern per line; lines beginning with '#' and empty lines are skipped,
 * leading blanks stripped), -m <method> (found, bool, int, ip, bin, len,
 * str, beg, end, sub, dir, dom, reg; before any -f), -n (no DNS: accepted,
 * Tollgate never resolves names), -M (the file is a map: its first column
 * is used), -u <id> (accepted, ignored), -- (end of flags). Without -m the
 * method follows the expression's output type: boolean -> bool, integer ->
 * int, address -> ip, string -> str; binary needs -m. HAProxy's derived
 * keywords work too: "path_beg" is the fetch "path" with "-m beg", for any
 * registered fetch and the suffixes _beg _end _sub _dir _dom _reg _len.
 * Integer patterns take the operators eq, ge, gt, le, lt (applying to the
 * values that follow) and ranges "a:b", ":b", "a:" (also "a-b"); a leading
 * '-' is a sign. IP patterns are v4 (also abbreviated, "10.12" is
 * 10.0.0.12) or v6, with "/bits" or, for v4, a dotted mask; v4 samples
 * match v6 patterns through ::ffff:a.b.c.d and v6 samples that map a v4
 * address match v4 patterns. Regexes are POSIX extended (regcomp).
 *
 * Ownership and threads. The caller owns a struct acl_list per proxy and
 * fills it with acl_parse_line() at configuration time; conditions refer to
 * its ACLs by pointer, so the list must outlive them. Everything is
 * read-only once parsed: any number of threads may evaluate the same
 * conditions at once; evaluation takes no lock and allocates nothing.
 *
 * The patterns of a test are a pattern set (patset.h), the structure the
 * map converters (maps.h) use too.
 *
 * Cost. Exact strings (-m str) are kept in a hash table: O(1) per sample
 * whatever the number of patterns. IP networks are kept sorted per prefix
 * length: O(P log N) for N networks spread over P distinct prefix lengths
 * (v4 dotted masks that are not prefixes are scanned linearly). Every
 * other method scans its patterns in order: O(N) per sample (O(N x len)
 * for sub, dir, dom, and regexes).
 *
 * Return conventions: parsers return 0 or -errno (or NULL) and set *<err>,
 * when <err> is not NULL, to a malloc'ed one-line message the caller frees
 * (the caller prefixes file:line and the keyword); evaluations are
 * predicates returning 0 or 1.
 */
#ifndef TOLLGATE_ACL_H
#define TOLLGATE_ACL_H

#include <tollgate/list.h>
#include <tollgate/nameidx.h>
#include <tollgate/sample-t.h>

struct acl;          /* a named or anonymous ACL (opaque) */
struct acl_cond;     /* a parsed condition (opaque) */

/* The named ACLs of one proxy. Owned by the caller. */
struct acl_list {
	struct list head;            /* struct acl, in declaration order */
	struct name_idx names;       /* the same ACLs by name (acl_find()) */
};

/* Prepares the empty list <list>. */
void acl_list_init(struct acl_list *list);

/* Frees every ACL of <list>, which stays usable (empty). Conditions that
 * refer to them must not be evaluated afterwards.
 */
void acl_list_deinit(struct acl_list *list);

/* Parses one "acl <name> <criterion> [flags] [operator] [values...]" line,
 * <args>[0] being the keyword "acl", and adds the test to the ACL <name>
 * of <list> (creating it). Returns 0, or -EINVAL/-ENOMEM with *<err> set.
 */
int acl_parse_line(struct acl_list *list, int argc, char **args, char **err);

/* Sets the named ACLs that the acl(<name>...) fetch resolves its names
 * in while expressions are parsed (the current proxy section's; NULL
 * outside). Configuration time only.
 */
void acl_set_parse_scope(struct acl_list *list);

/* Returns the ACL named <name> in <list>, or NULL. */
struct acl *acl_find(const struct acl_list *list, const char *name);

/* Outcome of a test that may wait for data: without SMP_OPT_FINAL in the
 * context, a test whose fetch says more data may change its answer
 * (SMP_F_MAY_CHANGE) and that has not matched yet is undecided.
 */
enum acl_res {
	ACL_FAIL = 0,             /* does not match */
	ACL_PASS = 1,             /* matches */
	ACL_MISS = 2,             /* undecided: evaluate again when more data is there */
};

/* Evaluates <acl>: ACL_PASS if any of its tests matches, else ACL_MISS if
 * one is undecided, else ACL_FAIL. Thread-safe.
 */
enum acl_res acl_eval(const struct acl *acl, const struct sample_ctx *ctx);

/* acl_eval() for a final context: 1 if any test matches, else 0. */
int acl_exec(const struct acl *acl, const struct sample_ctx *ctx);

/* Parses a condition "if|unless <terms...>" from <args>[0] up to <argc>
 * words, resolving names in <named> (then among the built-in ACLs TRUE,
 * FALSE, LOCALHOST, HTTP, METH_GET..., instantiated into <named> when
 * first used; those beyond TRUE/FALSE need the fetches the upper layers
 * register). Sets *<consumed> (if not NULL) to the words used, which is
 * <argc>: a condition ends the line. Returns the condition, or NULL with
 * *<err> set (unknown ACL names get the nearest known name suggested).
 */
struct acl_cond *cond_parse(struct acl_list *named, int argc, char **args,
			    int *consumed, char **err);

/* Evaluates <cond> with three-valued logic: a term fails a suite, else an
 * undecided term leaves it undecided; a passing suite makes the condition
 * pass, else an undecided one leaves it undecided; "unless" swaps PASS and
 * FAIL. ACL_MISS only without SMP_OPT_FINAL. Thread-safe, allocation-free.
 */
enum acl_res cond_eval(const struct acl_cond *cond, const struct sample_ctx *ctx);

/* Returns 1 if <cond> holds ("if") or does not hold ("unless") for <ctx>,
 * else 0 (undecided counts as not holding: for final contexts).
 * Thread-safe, allocation-free.
 */
int cond_exec(const struct acl_cond *cond, const struct sample_ctx *ctx);

/* Looks in <cond> for an ACL that can never match at <where> (one
 * SMP_USE_* bit) because none of its tests can fetch there, as HAProxy
 * warns of. Returns 0 if there is none, else -EINVAL with *<err> set to
 * HAProxy's message naming the ACL (or its keyword when anonymous), the
 * rule <rule> ("tcp-request connection", or NULL to leave it out) and
 * the place <place> ("frontend http-request header rule").
 */
int cond_check_use(const struct acl_cond *cond, unsigned int where, const char *rule,
                   const char *place, char **err);

/* Frees <cond> and its anonymous ACLs (NULL is fine); named ACLs stay. */
void cond_free(struct acl_cond *cond);

#endif /* TOLLGATE_ACL_H */
