/*
 * Responses the proxy writes itself: built-in error pages, `errorfile`,
 * and the payloads of `http-request return` / `deny` / `redirect`.
 *
 * A reply is a complete HTTP/1.1 response (head and body) in one piece of
 * memory, built at configuration time when it is constant (error pages,
 * errorfiles, `return ... string|file`), or at run time into the caller's
 * area (redirects, whose Location depends on the request).
 *
 * Built-in pages exist for 200, 400, 401, 403, 404, 405, 407, 408, 410,
 * 413, 414, 421, 425, 429, 431, 500, 501, 502, 503, 504 and 505, in
 * HAProxy's wording ("<html><body><h1>429 Too Many Requests</h1>..."),
 * with `Content-Type: text/html`, `Content-Length` and `Cache-Control:
 * no-cache`, as HAProxy's; the stream adds `connection: close` when it
 * closes the client connection after the reply. `errorfile <code> <file>` in
 * defaults, frontend, backend or listen replaces the page of one code for
 * that proxy (a defaults section's errorfiles are inherited), as do
 * `errorfiles <name>` (pages of an `http-errors` section) and `http-error`: the file
 * holds a complete HTTP response, sent as it is, as in HAProxy; it is read
 * and checked (its status line must parse) when the configuration loads.
 *
 * Ownership: replies built at configuration time are read-only while
 * workers run and live until exit.
 */
#ifndef TOLLGATE_HTTP_REPLY_H
#define TOLLGATE_HTTP_REPLY_H

#include <stddef.h>

struct proxy;

/* A constant reply. */
struct http_reply {
	int status;              /* status code it carries */
	const char *data;        /* complete response bytes */
	size_t len;              /* their length */
};

/* Returns the reply for error <status> of proxy <px> (its errorfile, that
 * of the defaults it inherited, or the built-in page; <px> may be NULL),
 * or the built-in 500 page if <status> has no page.
 */
const struct http_reply *http_error_reply(const struct proxy *px, int status);

/* Returns the slot of <status> in a proxy's errorfiles[] array, or -1 if
 * the status cannot have an errorfile.
 */
int http_errorfile_index(int status);

#define HTTP_ERRORFILE_SLOTS 24  /* size of errorfiles[] arrays */

/* An `http-errors <name>` section: errorfiles by slot, that proxies copy
 * with `errorfiles <name> [<code>...]` and rules use with `errorfiles
 * <name>`. Built while the configuration is parsed, then read-only; lives
 * until exit.
 */
struct http_errors {
	char *name;                                       /* section name */
	const struct http_reply *pages[HTTP_ERRORFILE_SLOTS]; /* by http_errorfile_index(), NULL: none */
	const char *conf_file;                            /* where declared (lives until exit) */
	int conf_line;                                    /* ditto */
	struct http_errors *next;                         /* next section */
};

/* Returns the http-errors section <name>, or NULL. */
struct http_errors *http_errors_find(const char *name);

/* Declares a new, empty http-errors section <name> at <file>:<line>.
 * Returns it, or NULL (out of memory).
 */
struct http_errors *http_errors_new(const char *name, const char *file, int line);

/* Returns the page of <status> in the http-errors section <he>, or NULL. */
const struct http_reply *http_errors_page(const struct http_errors *he, int status);

/* Builds at configuration time a reply with <status>, an optional
 * Content-Type <ctype> (NULL: none) and body <body> of <blen> bytes, plus
 * the optional header lines <hdrs> ("Name: value\r\n"..., NULL: none), with
 * Content-Length, into a new constant reply (malloc'ed, never freed).
 * Returns it or NULL (out of memory).
 */
struct http_reply *http_reply_make(int status, const char *ctype, const char *body, size_t blen,
                                   const char *hdrs);

/* Writes into <out> (<room> bytes) a response with <status>, an optional
 * Content-Type <ctype>, the header lines <hdrs> (<hlen> bytes, "Name:
 * value\r\n"...), Content-Length and body <body> (<blen> bytes), as
 * http_reply_make() lays them out. Returns the length, 0 if it does not
 * fit. For replies whose headers or body are log-format strings, rendered
 * for each request.
 */
size_t http_reply_write(char *out, size_t room, int status, const char *ctype, const char *hdrs, size_t hlen,
                        const char *body, size_t blen);

/* Reads <path> as a complete HTTP response (errorfile format) into a new
 * constant reply. Returns it, or NULL with *<err> (malloc'ed) saying why
 * (unreadable, no valid status line, larger than tune.bufsize).
 */
struct http_reply *http_reply_load_errorfile(const char *path, char **err);

/* Writes into <out> (<room> bytes) a redirect response with <code> (301,
 * 302, 303, 307 or 308), `Location: <loc>` (<loclen> bytes), an empty body
 * and `Content-Length: 0`, and `Connection: close` if <close>. Returns the
 * length, or 0 if it does not fit.
 */
size_t http_reply_redirect(char *out, size_t room, int code, const char *loc, size_t loclen, int close);

#endif /* TOLLGATE_HTTP_REPLY_H */
