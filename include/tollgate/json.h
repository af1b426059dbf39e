/*
 * JSON queries for the json_query converter, with HAProxy's subset and
 * leniencies (its mjson): a path "$", then ".key" (a '\' takes the next
 * character literally, "$.my\.key") and "[n]" steps; keys compared as
 * written in the document (escapes not decoded); the first key of a
 * name wins; containers nest at most JSON_MAX_DEPTH deep; the document is
 * checked up to the value found, not after it; a trailing comma before
 * ']' or '}' is accepted. Pure functions over (buffer, length): no
 * allocation, never read past <len>, any thread.
 */
#ifndef TOLLGATE_JSON_H
#define TOLLGATE_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 20   /* nested arrays and objects, as HAProxy */

enum json_tok {
	JSON_NONE = 0,      /* no such value, or the document is malformed before it */
	JSON_STRING,        /* token: the quoted string, quotes included */
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
	JSON_ARRAY,         /* token: from '[' to ']' */
	JSON_OBJECT,        /* token: from '{' to '}' */
};

/* Finds the value <path> (NUL-terminated) designates in the document of
 * <len> bytes at <s>: its type, with *<tok>/<toklen> set to its bytes.
 */
enum json_tok json_find(const char *s, size_t len, const char *path, const char **tok, size_t *toklen);

/* Decodes the string token <tok> (quotes included) into <out> (<size>
 * bytes): the escapes \b \f \n \r \t \\ \" and \u00XX only, as HAProxy.
 * Returns the length, or -1 for another escape or when it does not fit.
 */
long json_unquote(const char *tok, size_t toklen, char *out, size_t size);

/* The value of the number token <tok> as HAProxy computes it (its own
 * decimal reading, not strtod()).
 */
double json_number(const char *tok, size_t toklen);

/* The integer a number token gives with json_query's "int" output: its
 * first bytes read by strtoll() in base 0, as HAProxy (so "010" is 8).
 * <tok> runs to the end of the document, <avail> bytes. Returns 1, or 0
 * outside [-(2^53-1), 2^53-1].
 */
int json_int(const char *tok, size_t avail, int64_t *out);

struct sample_arg;
struct sample;

/* json_query's evaluation (proxy/conv_json.c), for the converters that
 * query a JSON document they decoded (jwt_header_query...): <args> as
 * json_query's after its check, <smp> a string sample. Returns 1 with
 * the value in <smp>, or 0.
 */
int json_query_sample(const struct sample_arg *args, struct sample *smp);

/* json_query's check of its <output_type> argument <type> (absent, empty
 * or "int", made an integer argument). Returns 0, or -EINVAL with *<err>.
 */
int json_query_type_check(struct sample_arg *type, char **err);

#endif /* TOLLGATE_JSON_H */
