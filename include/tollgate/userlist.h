/*
 * `userlist` sections (HAProxy's configuration.txt "Userlists") and the
 * check of HTTP Basic credentials against them, for the http_auth() and
 * http_auth_group() fetches that `http-request auth` rules test.
 *
 *   userlist <name>
 *     group <name> [users <user>,<user>...]
 *     user <name> [password <crypt-hash>|insecure-password <pass>] [groups <g>,<g>...]
 *
 * Hashed passwords are checked with crypt_r(3) (libcrypt: DES, MD5,
 * SHA-256, SHA-512, yescrypt... whatever the system supports), clear ones
 * by comparison. A list holds at most 64 groups (a bit mask per user).
 *
 * A list may be declared after the lines that name it (as in HAProxy):
 * fetches keep its name and find it when evaluated; userlist_finalize()
 * reports names that no section declares, at the line that used them.
 *
 * Lists are built while the configuration is parsed, resolved by
 * userlist_finalize(), then read-only: any thread may check credentials
 * (crypt_r() with a stack buffer; no lock, no allocation).
 */
#ifndef TOLLGATE_USERLIST_H
#define TOLLGATE_USERLIST_H

#include <stddef.h>
#include <stdint.h>

struct http_head;
struct userlist;     /* opaque */

/* Authentication schemes of an Authorization field (HAProxy's). */
enum http_auth_method {
	HTTP_AUTH_NONE = 0,          /* no field, or one that does not parse */
	HTTP_AUTH_BASIC,             /* Basic: user and pass decoded */
	HTTP_AUTH_BEARER,            /* Bearer: the token in data */
};

/* The credentials of a request, as HAProxy's get_http_auth() reads them. */
struct http_auth_cred {
	enum http_auth_method method;
	const char *data;            /* the text after the scheme and its spaces (in the request) */
	size_t dlen;
	const char *user;            /* Basic: the decoded user (in the caller's buffer) */
	size_t ulen;
	const char *pass;            /* Basic: the decoded password, after the ':' */
	size_t plen;
};

/* Reads the first element (up to a comma) of the first Authorization field
 * of request <req> (Proxy-Authorization when <proxy>, a proxy request on a
 * frontend with `option http-use-proxy-header`): a scheme, spaces, its data.
 * Basic data is base64 (checked strictly) of "user:password", decoded into
 * <buf> (<room> bytes). Fills <c> and returns its method: HTTP_AUTH_NONE
 * when there is no such field, no space after a non-empty scheme, another
 * scheme than Basic or Bearer, or Basic data that does not decode, fit or
 * hold a ':'.
 */
enum http_auth_method http_auth_parse(const struct http_head *req, int proxy, char *buf, size_t room,
                                      struct http_auth_cred *c);

/* Decodes into <out> (<room> bytes) the "user:password" of the first
 * Authorization field of request <req> using the Basic scheme (as
 * http_auth_parse()). Returns its length, or -1 if there is none or it
 * does not decode, fit or hold a ':'.
 */
long http_basic_cred(const struct http_head *req, char *out, size_t room);

/* Returns the userlist named <name>, or NULL. */
const struct userlist *userlist_find(const char *name);

/* Returns 1 if <user> (<ulen> bytes) with password <pass> (<plen> bytes)
 * is a user of <ul> with that password, storing its groups mask in
 * *<groups> (may be NULL); else 0.
 */
int userlist_check(const struct userlist *ul, const char *user, size_t ulen, const char *pass, size_t plen,
                   uint64_t *groups);

/* Returns the name of group number <idx> of <ul>, or NULL past the last. */
const char *userlist_group_name(const struct userlist *ul, unsigned int idx);

/* Resolves the group and user names of every list, reporting each unknown
 * one through <report> at its file:line. Returns the number of errors.
 */
int userlist_finalize(void (*report)(void *arg, int is_err, const char *file, int line, const char *msg),
                      void *arg);

#endif /* TOLLGATE_USERLIST_H */
