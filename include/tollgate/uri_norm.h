/*
 * URI normalisers of `http-request normalize-uri <normalizer>`: pure
 * functions over the path and query string of a request target (what the
 * `pathq` fetch returns), in HAProxy's terms:
 *
 *   path-merge-slashes          "//" runs in the path become one "/"
 *   path-strip-dot              "." segments of the path are removed
 *   path-strip-dotdot [full]    ".." removes the segment before it; with
 *                               `full`, a ".." with nothing before it is
 *                               dropped too (else kept)
 *   query-sort-by-name          the query's parameters sorted by name,
 *                               stable for equal names
 *   percent-to-uppercase [strict]     "%aa" becomes "%AA"
 *   percent-decode-unreserved [strict] "%61" becomes "a" for RFC 3986's
 *                               unreserved characters (ALPHA DIGIT - . _ ~)
 *   fragment-strip              drops a "#" and what follows
 *   fragment-encode             "#" becomes "%23"
 *
 * A percent sign not followed by two hex digits is kept, or with `strict`
 * makes the normaliser fail with -EINVAL (HAProxy then answers 400). A
 * target that does not start with "/" ("*") is left as it is. The path
 * ends at the first "?"; the query string follows it.
 *
 * Return convention: the length written to <out> (at most <room> bytes),
 * -EINVAL for invalid input in strict mode, -ENOSPC when the result does
 * not fit (or the path has more than URI_NORM_MAX_SEGS segments, or the
 * query more than URI_NORM_MAX_PARAMS parameters).
 * Nothing is allocated; no byte at or past <in> + <len> is read.
 */
#ifndef TOLLGATE_URI_NORM_H
#define TOLLGATE_URI_NORM_H

#include <stddef.h>

enum uri_norm_op {
	URI_NORM_MERGE_SLASHES = 0,  /* path-merge-slashes */
	URI_NORM_STRIP_DOT,          /* path-strip-dot */
	URI_NORM_STRIP_DOTDOT,       /* path-strip-dotdot [full] */
	URI_NORM_SORT_QUERY,         /* query-sort-by-name */
	URI_NORM_PCT_UPPER,          /* percent-to-uppercase [strict] */
	URI_NORM_PCT_DECODE,         /* percent-decode-unreserved [strict] */
	URI_NORM_FRAG_STRIP,         /* fragment-strip */
	URI_NORM_FRAG_ENCODE,        /* fragment-encode */
};

#define URI_NORM_F_FULL   0x1U   /* path-strip-dotdot full */
#define URI_NORM_F_STRICT 0x2U   /* percent-* strict */

#define URI_NORM_MAX_PARAMS 1024 /* query parameters query-sort-by-name sorts */
#define URI_NORM_MAX_SEGS 512    /* path segments path-strip-dot[dot] handle */

/* Applies <op> with <flags> to the path and query <in> (<len> bytes).
 * See above for the return convention.
 */
long uri_normalize(enum uri_norm_op op, unsigned int flags, const char *in, size_t len, char *out, size_t room);

/* Returns the normaliser named <name> ("path-merge-slashes"...) in *<op>
 * and the options it accepts (URI_NORM_F_*) in *<opts>. Returns 0, or -1
 * if there is none of that name.
 */
int uri_norm_lookup(const char *name, enum uri_norm_op *op, unsigned int *opts);

#endif /* TOLLGATE_URI_NORM_H */
