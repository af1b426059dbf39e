/*
 * Unique request ids (HAProxy's unique-id-format / unique-id-header and
 * the unique-id fetch). A frontend's `unique-id-format` is a log-format
 * string; the id of a transaction is rendered from it once, on first use
 * (the fetch, the header, %ID in logs), and kept in the transaction
 * (UNIQUE_ID_LEN bytes at most, as HAProxy). `unique-id-header <name>`
 * adds it to the request once the frontend's http-request rules ran.
 * Everything runs on the stream's thread.
 */
#ifndef TOLLGATE_UNIQUE_ID_H
#define TOLLGATE_UNIQUE_ID_H

#include <stddef.h>

#define UNIQUE_ID_LEN 128          /* longest id kept, as HAProxy's */

struct proxy;
struct stream;

/* Compiles the unique-id-format of frontend <px>. Returns 0, or <0 with
 * *<err> (malloc'ed).
 */
int unique_id_finalize(struct proxy *px, char **err);

/* The id of <s>'s transaction, generated on first call; NULL without a
 * transaction or a unique-id-format.
 */
const char *unique_id_get(struct stream *s, size_t *len);

/* Adds the unique-id-header of <s>'s frontend to the request, if one is
 * configured. Returns 0, or <0 if the head could not take it.
 */
int unique_id_add_header(struct stream *s);

#endif /* TOLLGATE_UNIQUE_ID_H */
