/*
 * HTTP message heads as the rules see and edit them.
 *
 * Principle. The parser (h1.h) finds spans in the bytes received; rules
 * then read and rewrite the start line and the header fields (set-header,
 * del-header, set-path...), and the proxy sends the edited head. A struct
 * http_head holds that editable view: each piece is a pointer and a length
 * into either the received bytes (unchanged pieces, zero copy) or the
 * head's own arena (new values). Editing never moves received bytes; the
 * edited head is written out once, by http_head_write(), into a separate
 * area, and the caller puts it in place of the received head.
 *
 * Order. Fields keep their order; a deleted field is marked (n == NULL)
 * and skipped; an added one goes to the end, as HAProxy does.
 *
 * Lifetime: pointers into the received bytes stay valid as long as the
 * caller keeps those bytes where they are (until the head is written out
 * and replaced). The arena and the field array belong to the caller (one
 * stream, one thread); nothing here allocates or locks.
 *
 * Return conventions: 0 or a negative errno (-ENOSPC when the arena or the
 * field array is full: the caller answers 500, as HAProxy does when a
 * rewrite fails).
 */
#ifndef TOLLGATE_HTTP_MSG_H
#define TOLLGATE_HTTP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/h1.h>

/* One header field. <n> is NULL once deleted. */
struct http_field {
	const char *n;       /* name as received or set (case kept) */
	const char *v;       /* value without surrounding OWS */
	uint32_t nlen;       /* name length */
	uint32_t vlen;       /* value length */
};

/* An editable message head (request or response). */
struct http_head {
	/* request start line */
	const char *meth;    /* method */
	uint32_t meth_len;
	enum h1_meth m;      /* method, decoded */
	const char *uri;     /* request-target */
	uint32_t uri_len;
	/* response start line */
	uint16_t status;     /* status code */
	const char *reason;  /* reason phrase */
	uint32_t reason_len;
	uint8_t vmajor;      /* HTTP version */
	uint8_t vminor;
	/* fields */
	struct http_field *f; /* caller's array of <maxf> entries */
	uint32_t nf;         /* entries used (deleted ones included) */
	uint32_t maxf;       /* capacity */
	/* arena for new strings */
	char *arena;         /* caller's area of <arena_size> bytes */
	uint32_t arena_len;  /* bytes used */
	uint32_t arena_size; /* capacity */
};

/* Prepares <hh> over the caller's <fields> (<maxf> entries) and <arena>
 * (<arena_size> bytes), empty.
 */
void http_head_init(struct http_head *hh, struct http_field *fields, uint32_t maxf,
                    char *arena, uint32_t arena_size);

/* Fills <hh> (from http_head_init()) from the parsed head <msg> whose
 * message starts at <base>; a version above HTTP/1.1 becomes 1.1, as it is
 * forwarded. Returns 0, or -ENOSPC if <msg> has more fields
 * than <hh> can hold.
 */
int http_head_load(struct http_head *hh, const struct h1_msg *msg, const char *base);

/* Copies <len> bytes of <src> into the arena of <hh>. Returns the copy, or
 * NULL if the arena is full.
 */
const char *http_head_dup(struct http_head *hh, const char *src, size_t len);

/* Finds the next field named <name> (<nlen> bytes, any case) after index
 * <*pos> (start with -1). Returns its index (also stored in *<pos>), or -1.
 */
int http_hdr_next(const struct http_head *hh, const char *name, size_t nlen, int *pos);

/* Returns the number of fields named <name>. */
unsigned int http_hdr_count(const struct http_head *hh, const char *name, size_t nlen);

/* Appends the field <name>: <value> (copied). 0 or -ENOSPC. */
int http_hdr_add(struct http_head *hh, const char *name, size_t nlen, const char *value, size_t vlen);

/* Deletes every field named <name>. Returns how many were deleted. */
unsigned int http_hdr_del(struct http_head *hh, const char *name, size_t nlen);

/* Deletes every field named <name> then appends <name>: <value>, as
 * `set-header`. 0 or -ENOSPC.
 */
int http_hdr_set(struct http_head *hh, const char *name, size_t nlen, const char *value, size_t vlen);

/* Sets field <idx>'s value to <value> (copied). 0 or -ENOSPC. */
int http_hdr_set_value(struct http_head *hh, int idx, const char *value, size_t vlen);

/* Sets the method (copied, must be a token, and the target must suit it:
 * CONNECT takes an authority, `*` needs OPTIONS). 0, -EINVAL or -ENOSPC.
 */
int http_set_method(struct http_head *hh, const char *m, size_t len);

/* Replaces the request-target (copied; checked as the parser would for
 * the current method: h1_target_valid()). 0, -EINVAL or -ENOSPC. The path
 * and query setters below go through it.
 */
int http_set_uri(struct http_head *hh, const char *uri, size_t len);

/* Normalizes the authority of the request <hh> as HAProxy does after
 * parsing (RFC 3986 6.2.3): an absolute-form target loses a port that is
 * empty or its scheme's default ("http://h:80/p" -> "http://h/p"), gets
 * the path "/" when it has none (except for OPTIONS), and every Host field
 * then takes the target's host; a CONNECT request's Host loses a port 80
 * or 443. The userinfo of a target is kept. 0 or -ENOSPC.
 */
int http_normalize_authority(struct http_head *hh);

/* Returns the path of the request-target: for an absolute-form target,
 * what follows the authority ("/" when empty is given as len 0), up to the
 * '?' if any. Sets *<len>.
 */
const char *http_uri_path(const struct http_head *hh, size_t *len);

/* Returns the query string (after '?', without it), or NULL if none. */
const char *http_uri_query(const struct http_head *hh, size_t *len);

/* Replaces the path of the request-target, keeping the query. 0, -EINVAL
 * (also: a non-empty path without its leading '/' after an authority,
 * which would change the authority) or -ENOSPC.
 */
int http_set_path(struct http_head *hh, const char *path, size_t len);

/* Returns the path and the query string of the request-target (what
 * follows the authority of an absolute-form target). Sets *<len>.
 */
const char *http_uri_pathq(const struct http_head *hh, size_t *len);

/* Replaces the path and the query string of the request-target by <pathq>
 * (<len> bytes), keeping the scheme and authority. 0, -EINVAL (as
 * http_set_path(): after an authority, it starts with '/' or '?') or
 * -ENOSPC.
 */
int http_set_pathq(struct http_head *hh, const char *pathq, size_t len);

/* Replaces the query string (without '?'; empty: removes the '?'). 0,
 * -EINVAL or -ENOSPC.
 */
int http_set_query(struct http_head *hh, const char *q, size_t len);

/* Sets the status code (100..999) and reason (NULL: the standard one). 0,
 * -EINVAL or -ENOSPC.
 */
int http_set_status(struct http_head *hh, int status, const char *reason, size_t len);

/* Returns the standard reason phrase of <status> ("Unknown" if none). */
const char *http_reason(int status);

/* Writes the head of <hh> (a request if <is_req>, else a response) into
 * <out> of <room> bytes: start line, fields, final CRLF. Returns the
 * length, or 0 if it does not fit.
 */
/* Returns the length http_head_write() gives <hh>, without writing it. */
size_t http_head_size(const struct http_head *hh, int is_req);

size_t http_head_write(const struct http_head *hh, int is_req, char *out, size_t room);

/* Iterates over the comma-separated elements of a field value, as HAProxy's
 * hdr() does: starting at *<pos> (0 at first) in <v> of <vlen> bytes,
 * returns the next element without surrounding spaces in *<e>/<*elen> and
 * 1, or 0 when none is left. Commas inside double quotes do not split.
 */
int http_value_next(const char *v, size_t vlen, size_t *pos, const char **e, size_t *elen);

/* Parses the next cookie of a Cookie value (<list>: cookies separated by
 * ';' or ',') or the cookie of a Set-Cookie value (!<list>: only its first
 * name=value pair) in <v> of <vlen> bytes from *<pos> (0 at first). Spaces
 * around names and values are dropped; values keep their quotes; a quoted
 * value may hold delimiters. Pairs without '=' and names starting with '$'
 * are skipped, as HAProxy does. Returns 1 with the name and value set
 * (pointers into <v>; *<pos> then points past the pair's delimiter), or 0
 * at the end.
 */
int http_cookie_next(const char *v, size_t vlen, size_t *pos, int list,
                     const char **n, size_t *nl, const char **val, size_t *vall);

#endif /* TOLLGATE_HTTP_MSG_H */
