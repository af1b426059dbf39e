/*
 * TLS with OpenSSL 3: contexts built at configuration time (tls.c) and the
 * per-connection transport (xprt_tls.c, see xprt.h).
 *
 * A `struct tls_conf` holds the options of one bind line or one server, as
 * parsed; tls_bind_build() and tls_srv_build() turn it into a context
 * (certificates loaded, keys checked, ciphers applied) or a one-line reason
 * the caller prefixes with file:line and the keyword. Contexts are
 * read-only once threads run, except what OpenSSL locks itself (its
 * session cache, shared by every thread of a bind) and each server's
 * per-thread last session (touched by its thread only).
 *
 * Connections: tls_conn_accept() / tls_conn_connect() return a transport
 * context for xprt_tls on a connected socket; the handshake is then driven
 * by the owner's poll loop through xprt_tls.handshake.
 */
#ifndef TOLLGATE_TLS_H
#define TOLLGATE_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/xprt.h>

struct ssl_st;

/* verify */
#define TLS_VERIFY_DEFAULT  0   /* bind: none; server: required (HAProxy's ssl-server-verify) */
#define TLS_VERIFY_NONE     1
#define TLS_VERIFY_OPTIONAL 2
#define TLS_VERIFY_REQUIRED 3

/* tls_conf flags */
#define TLS_O_STRICT_SNI    0x01U   /* bind: no certificate for the SNI: refuse */
#define TLS_O_NO_TICKETS    0x02U   /* no session tickets */
#define TLS_O_NO_REUSE      0x04U   /* server: no session reuse */
#define TLS_O_ON            0x08U   /* bind: "ssl" given (TLS options alone do not enable it) */

struct tls_conf {
	char **crt;                /* bind: certificate files or directories; server: client cert (one) */
	unsigned char *crt_list;   /* bind: per crt[i], 1 if it names a crt-list (see tls_crtlist_*), or NULL */
	unsigned int ncrt;         /* their number */
	char *ca_file;             /* CA to verify the peer, or NULL */
	char *crl_file;            /* CRLs checked when verifying the peer, or NULL */
	char *ticket_keys;         /* bind: tls-ticket-keys file, or NULL (random keys) */
	int verify;                /* TLS_VERIFY_* */
	unsigned char *alpn;       /* ALPN list, wire format (length-prefixed names), or NULL */
	unsigned int alpn_len;     /* its bytes */
	unsigned char *check_alpn; /* server: what checks offer ("check-alpn"), wire format, or NULL: alpn */
	unsigned int check_alpn_len; /* its bytes */
	char *ciphers;             /* TLS <= 1.2 cipher list, or NULL */
	char *ciphersuites;        /* TLS 1.3 suites, or NULL */
	char *curves;              /* groups, or NULL */
	char *verify_host;         /* server: name checked when no SNI is sent ("verifyhost"), or NULL */
	uint64_t ca_ignerr;        /* bind: bit <n> set: verify error <n> of the client's chain ignored */
	uint64_t crt_ignerr;       /* bind: the same for the client's certificate itself (depth 0) */
	int min_ver;               /* TLS1_x_VERSION, 0: TLS 1.2 */
	int max_ver;               /* ditto, 0: the library's highest */
	unsigned int flags;        /* TLS_O_* */
};

struct tls_bind;               /* a bind's contexts and SNI index (tls.c) */
struct tls_srv;                /* a server's context and sessions (tls.c) */

/* Global settings (`tune.ssl.cachesize`), start-up only. */
extern unsigned int tls_cachesize;

/* Parses a version name (SSLv3, TLSv1.0 ... TLSv1.3) into *<ver>: 0 or -1. */
int tls_parse_version(const char *name, int *ver);

/* Parses the list of `ca-ignore-err` / `crt-ignore-err`: "all", or
 * comma-separated verify error codes (1..63) or OpenSSL names
 * (X509_V_ERR_CERT_HAS_EXPIRED), into the bit set *<mask> (added to).
 * 0, or -1 with the reason in <err>.
 */
int tls_parse_ignore_err(const char *list, uint64_t *mask, char *err, size_t errlen);

/* The name of the OpenSSL verify code <code> ("X509_V_OK",
 * "X509_V_ERR_CERT_HAS_EXPIRED"...), or NULL if OpenSSL has none.
 */
const char *tls_verify_err_name(long long code);

/* Turns a comma-separated protocol list ("h2,http/1.1") into the wire
 * format in <c>. Returns 0, or -1 with a reason in <err>.
 */
int tls_conf_set_alpn(struct tls_conf *c, const char *list, char *err, size_t errlen);

/* The same for `check-alpn` (the list checks offer). */
int tls_conf_set_check_alpn(struct tls_conf *c, const char *list, char *err, size_t errlen);

/* Deep copy of <src> into <dst> (zeroed first). 0 or -ENOMEM. */
int tls_conf_dup(struct tls_conf *dst, const struct tls_conf *src);

/* Frees what <c> holds (not <c>). */
void tls_conf_clear(struct tls_conf *c);

/* Builds a bind's contexts: loads every certificate (files, every file
 * of a directory, every line of a crt-list), checks each key matches its
 * certificate, indexes the names (CN and DNS subjectAltNames, wildcards
 * included, or a crt-list line's filters) for SNI. The first certificate
 * is the default. <fe>, <addr> and <file>:<line> name the bind in the
 * admin socket's messages. NULL with a reason in <err>.
 */
struct tls_bind *tls_bind_build(const struct tls_conf *c, const char *fe, const char *addr, const char *file,
                                int line, char *err, size_t errlen);

/* crt-list files (HAProxy's format, parsed by cfg_crtlist.c): a registry
 * of lists, each with its lines, shared by the binds that name it.
 */
struct tls_crtlist_line {
	char *crt;                 /* certificate file (after crt-base) */
	struct tls_conf delta;     /* the [options] of the line: fields set override the bind's */
	char **filters;            /* SNI filters as written ("*.a.com", "!b.a.com", "*") */
	unsigned int nfilters;
	int linenum;               /* line in the file (runtime additions: after the last) */
};

/* Whether crt-list <path> is loaded already. */
int tls_crtlist_known(const char *path);

/* Creates list <path> (empty) if unknown. 0 or -ENOMEM. */
int tls_crtlist_create(const char *path);

/* Appends <ln> (taken: zeroed on success; NULL: none) to list <path>;
 * <lines> is the file's line count so far (runtime additions number after
 * it). 0 or -1.
 */
int tls_crtlist_append(const char *path, struct tls_crtlist_line *ln, int lines);

/* Frees what <ln> holds. */
void tls_crtlist_line_clear(struct tls_crtlist_line *ln);

/* Admin socket (CLI thread). `show ssl crt-list`: the lists (no <path>),
 * or the lines of <path> (with <num>, ":<linenum>" after each file). Into
 * <out>: bytes, -ENOENT (unknown list) or -ENOSPC.
 */
int tls_crtlist_show(const char *path, int num, char *out, size_t len);

/* Whether line <ln> may be added to list <path> (the list and the loaded
 * certificate exist; a directory's list takes a plain file of the
 * directory, once). 0, or -1 with HAProxy's reason in <err>.
 */
int tls_crtlist_check(const char *path, const struct tls_crtlist_line *ln, char *err, size_t errlen);

/* `add ssl crt-list`: the line <ln> (taken) is added to list <path> and
 * served at once by every bind using it; its certificate must be loaded.
 * 0, or -1 with HAProxy's reason in <err>.
 */
int tls_crtlist_add(const char *path, struct tls_crtlist_line *ln, char *err, size_t errlen);

/* `del ssl crt-list`: removes the line of <crt> (line <linenum>, 0: the
 * only one) from <path> and from every bind. 0, or -1 with HAProxy's
 * reason in <err>.
 */
int tls_crtlist_del(const char *path, const char *crt, int linenum, char *err, size_t errlen);

/* Builds a server's client context. NULL with a reason in <err>. */
struct tls_srv *tls_srv_build(const struct tls_conf *c, char *err, size_t errlen);

void tls_bind_free(struct tls_bind *b);
void tls_srv_free(struct tls_srv *s);

/* A TLS transport context accepting on <fd> (server role), or NULL. */
void *tls_conn_accept(struct tls_bind *b, int fd);

/* A TLS transport context connecting on <fd> (client role), sending <sni>
 * (NULL: none). With verify required, the server's certificate must match
 * <sni>, or without one the server's `verifyhost` (HAProxy 2.6's order);
 * reuses the last session of this thread unless no-ssl-reuse. NULL on
 * allocation failure.
 */
void *tls_conn_connect(struct tls_srv *s, int fd, const char *sni);

/* Offers the protocols <wire> (ALPN wire format, <len> bytes) on the
 * client connection <ctx> instead of its server's, before the handshake.
 * 0 or -1 (memory).
 */
int tls_conn_set_alpn(void *ctx, const unsigned char *wire, unsigned int len);

/* tls_conn_connect() for a health check: offers the server's
 * `check-alpn` instead of its `alpn` when it has one. NULL on allocation
 * failure.
 */
void *tls_conn_connect_check(struct tls_srv *s, int fd, const char *sni);

/* Frees a context of tls_conn_connect() not handed to a transport yet. */
void tls_conn_free(void *ctx);

/* HAProxy's text for a failed handshake on <ctx> ("SSL handshake failure",
 * "Connection closed during SSL handshake", or with <timeout> "Timeout
 * during SSL handshake"), for the connection error log line.
 */
const char *tls_conn_hs_error(const void *ctx, int timeout);

/* The OpenSSL object of a transport context (for the sample fetches). */
struct ssl_st *tls_conn_ssl(const void *ctx);

/* The first OpenSSL error met on <ctx> (ssl_fc_err), 0 if none. */
unsigned long tls_conn_err(const void *ctx);

/* The first verification error of the peer's certificate (<ca> 0) or of
 * its chain (<ca> 1, its depth in *<depth>), 0 if none.
 */
int tls_conn_verify_err(const void *ctx, int ca, int *depth);

/* Certificates at runtime (admin socket, CLI thread). Files are named as
 * loaded by `crt` (a directory's files one by one).
 */

/* The file after <prev> in name order (NULL: the first), or NULL. */
const char *tls_cert_next(const char *prev);

/* Whether certificate file <path> is loaded: 1, 0, or -1 when it is an
 * empty store (`new ssl cert`, not committed yet).
 */
int tls_cert_known(const char *path);

/* `new ssl cert`: an empty store named <path>, to be filled by `set ssl
 * cert` + `commit` and then used by `add ssl crt-list`. 0, or -1 with
 * HAProxy's message in <err>.
 */
int tls_cert_new(const char *path, char *err, size_t errlen);

/* `del ssl cert`: forgets <path>, unless a bind serves it, a crt-list
 * names it or a transaction is open on it. 0, or -1 with HAProxy's reason.
 */
int tls_cert_del(const char *path, char *err, size_t errlen);

/* How many bind contexts serve <path> (0: unknown file). */
unsigned int tls_cert_uses(const char *path);

/* The file of the ongoing transaction, or NULL. */
const char *tls_cert_txn(void);

/* Writes HAProxy's description of <path> ("*<path>": the transaction's
 * new certificate) into <out>. Bytes written, -ENOENT, or -ENOSPC.
 */
int tls_cert_describe(const char *path, char *out, size_t len);

/* Starts (or updates: *<updated> = 1) the transaction replacing <path>
 * with the PEM <pem_text> (certificate, chain, key; the key must match).
 * For `<crt>.ocsp`, <pem_text> is a base64 OCSP response for the
 * certificate of <crt>'s transaction (started from what <crt> serves if
 * none), stapled once committed; a PEM set later drops it, as HAProxy.
 * 0, or -1 with HAProxy's message in <err>.
 */
int tls_cert_set(const char *path, const char *pem_text, int *updated, char *err, size_t errlen);

/* Applies the transaction on <path>: new handshakes use the new
 * certificate at once (SNI names follow it), connections already up keep
 * theirs. Runs under thread isolation. 0, or -1 with a message in <err>.
 */
int tls_cert_commit(const char *path, char *err, size_t errlen);

/* Drops the transaction on <path>. 0 or -ENOENT. */
int tls_cert_abort(const char *path);

/* CA files and CRL files at runtime (admin socket, CLI thread; see
 * tls_cafile.c): one transaction of each kind at a time, as HAProxy.
 */
enum tls_ca_kind { TLS_CA_FILE, TLS_CA_CRL };

/* The file of kind <k> after <prev> in name order (NULL: the first), or
 * NULL; its certificate count in *<count> (CA files) if not NULL.
 */
const char *tls_ca_next(enum tls_ca_kind k, const char *prev, int *count);

/* The file of the ongoing transaction of kind <k> (its new certificate
 * count in *<count>), or NULL.
 */
const char *tls_ca_txn(enum tls_ca_kind k, int *count);

/* `new ssl ca-file|crl-file`: an empty entry. 0, -EEXIST or -ENOMEM. */
int tls_ca_new(enum tls_ca_kind k, const char *path);

/* `del ssl ...`: forgets an unused file. 0, or -1 with HAProxy's reason. */
int tls_ca_del(enum tls_ca_kind k, const char *path, char *err, size_t errlen);

/* `set ssl ...`: starts (or updates: *<updated> 1) the transaction
 * replacing <path> with the PEM certificates (CRLs) of <pem_text>. 0, or
 * -1 with HAProxy's reason in <err>.
 */
int tls_ca_set(enum tls_ca_kind k, const char *path, const char *pem_text, int *updated, char *err,
               size_t errlen);

/* `commit ssl ...`: the new contents serve every new handshake of the
 * binds and servers using <path> (their contexts rebuilt under thread
 * isolation; *<nuses> of them). 0, or -1 with a reason in <err>.
 */
int tls_ca_commit(enum tls_ca_kind k, const char *path, unsigned int *nuses, char *err, size_t errlen);

/* `abort ssl ...`: drops the transaction. 0, or -1 with HAProxy's reason. */
int tls_ca_abort(enum tls_ca_kind k, const char *path, char *err, size_t errlen);

/* `show ssl ca-file|crl-file <path>[:<index>]` into <out> ("*<path>": the
 * transaction's contents; <index> 0: all). Bytes, -ENOENT or -ENOSPC.
 */
int tls_ca_describe(enum tls_ca_kind k, const char *path, int index, char *out, size_t len);

/* OCSP stapling (tls_ocsp.c), admin socket. `show ssl ocsp-response
 * [<id>]`: the certificate IDs of the certificates with an `.ocsp`, or the
 * response of <id> (hex) as OpenSSL prints it. Bytes into <out>, -ENOENT
 * (unknown id) or -ENOSPC.
 */
int tls_ocsp_show(const char *id, char *out, size_t len);

/* `set ssl ocsp-response <b64>`: the response (base64 of DER, line breaks
 * ignored) replaces that of the certificate it names, for the next
 * handshakes. 0, or -1 with HAProxy's message in <err>.
 */
int tls_ocsp_set(const char *b64, char *err, size_t errlen);

/* Session ticket keys (`tls-ticket-keys`, tls_tickets.c): the last
 * TLS_TICKET_KEYS keys of the file decrypt, the penultimate encrypts.
 */
#define TLS_TICKET_KEYS 3

/* `show tls-keys [<ref>|*]` into <out>: the key files (<ref> NULL), or
 * the keys of "#<id>" or <file>, or of all with "*". Bytes, -ENOENT or
 * -ENOSPC.
 */
int tls_keys_show(const char *ref, char *out, size_t len);

/* `set ssl tls-key <ref> <b64>`: the key becomes the newest, the oldest
 * goes. 0, or -1 with HAProxy's message in <err>.
 */
int tls_keys_set(const char *ref, const char *b64, char *err, size_t errlen);

/* OpenSSL's version text ("OpenSSL 3.0.x ..."), for -vv. */
const char *tls_library_version(void);

/* Its version number alone ("3.0.19"), for openssl_version_atleast(). */
const char *tls_library_version_number(void);

/* Handshakes failed since start (all threads). */
unsigned long tls_handshake_failures(void);

/* The process's TLS figures for `show info` (HAProxy's Ssl* fields). */
struct tls_stats {
	unsigned int cur_conns;      /* CurrSslConns: TLS connections open, both sides */
	uint64_t cum_conns;          /* CumSslConns: since start, both sides */
	unsigned int rate;           /* SslRate: TLS connections accepted, last second */
	unsigned int rate_max;       /* MaxSslRate */
	unsigned int fe_key_rate;    /* SslFrontendKeyRate: full handshakes as server, last second */
	unsigned int fe_key_rate_max;
	unsigned int fe_reuse_pct;   /* SslFrontendSessionReuse_pct */
	unsigned int be_key_rate;    /* SslBackendKeyRate: full handshakes as client */
	unsigned int be_key_rate_max;
	uint64_t cache_lookups;      /* SslCacheLookups: session ids looked up in the session cache (TLS <= 1.2, no ticket) */
	uint64_t cache_misses;       /* SslCacheMisses: those not found there */
};

void tls_get_stats(struct tls_stats *st);

#endif /* TOLLGATE_TLS_H */
