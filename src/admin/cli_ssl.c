/*
 * Admin socket commands for TLS certificates, as HAProxy's:
 *
 *   show ssl cert [<file>|*<file>]   list the files, or describe one (the
 *                                    transaction's new one with '*')
 *   set ssl cert <file> <<           start (or update) a transaction with
 *                                    the PEM given as payload
 *   commit ssl cert <file>           apply it: new handshakes use it
 *   abort ssl cert <file>            drop it
 *   new ssl cert <file>              an empty store, for set + commit, then
 *                                    add ssl crt-list
 *   del ssl cert <file>              forget an unused one
 *   show tls-keys [#<id>|<file>|*]   ticket key files, or their keys
 *   set ssl tls-key <id|file> <b64>  a new newest key (rotation)
 *   show ssl crt-list [-n] [<list>]  the crt-lists, or the lines of one
 *   add ssl crt-list <list> <cert>   add a line (or one line as payload)
 *   del ssl crt-list <list> <cert[:line]>  remove one
 *   show|new|set|commit|abort|del ssl ca-file|crl-file ...
 *                                    the same for CA and CRL files (one
 *                                    set of handlers for both kinds)
 *   show ssl ocsp-response [<id>]    the certificate IDs with an OCSP
 *                                    response, or one response
 *   set ssl ocsp-response <b64>      replace the response of the
 *                                    certificate it names (or as payload)
 *
 * One transaction at a time (of each kind), as HAProxy. The work is in
 * src/net/tls.c and src/net/tls_cafile.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cli.h>
#include <tollgate/tls.h>

static int show_ssl_cert(struct cli_session *s, int argc, char **args)
{
	char out[16384];
	int n;

	if (argc > 3) {
		n = tls_cert_describe(args[3], out, sizeof(out));
		if (n < 0)
			return cli_err(s, "Can't display the certificate: Not found or the certificate is a bundle!\n");
		cli_write(s, out, (size_t)n);
		return CLI_DONE;
	}
	if (tls_cert_txn())
		cli_printf(s, "# transaction\n*%s\n", tls_cert_txn());
	cli_printf(s, "# filename\n");
	for (const char *f = tls_cert_next(NULL); f; f = tls_cert_next(f))
		if (cli_printf(s, "%s\n", f) < 0)
			break;
	return CLI_DONE;
}

static int set_ssl_cert(struct cli_session *s, int argc, char **args)
{
	const char *payload = cli_payload(s);
	char err[512];
	int updated = 0, ocsp;
	size_t n;

	if (argc < 4 || !payload || !*payload)
		return cli_err(s, "'set ssl cert' expects a filename and a certificate as a payload\n");
	n = strlen(args[3]);
	ocsp = n > 5 && !strcmp(args[3] + n - 5, ".ocsp") && !tls_cert_known(args[3]);
	if (tls_cert_set(args[3], payload, &updated, err, sizeof(err)) < 0) {
		/* <crt>.ocsp: HAProxy adds which file could not be updated */
		cli_printf(s, ocsp ? "%s\nCan't update %s!\n" : "%s\n", err, args[3]);
		return CLI_DONE;
	}
	/* named by the certificate, <crt> for <crt>.ocsp, as HAProxy */
	cli_sevf(s, CLI_SEV_INFO, "Transaction %s for certificate %.*s!\n", updated ? "updated" : "created",
	         (int)(ocsp ? n - 5 : n), args[3]);
	return CLI_DONE;
}

static int commit_ssl_cert(struct cli_session *s, int argc, char **args)
{
	char err[512], dots[64];
	unsigned int n;

	if (argc < 4)
		return cli_err(s, "'commit ssl cert' expects a filename\n");
	n = tls_cert_uses(args[3]);
	if (tls_cert_commit(args[3], err, sizeof(err)) < 0) {
		cli_printf(s, "%s\n", err);
		return CLI_DONE;
	}
	/* one dot per context updated, as HAProxy prints its progress */
	if (n >= sizeof(dots))
		n = sizeof(dots) - 1;
	memset(dots, '.', n);
	dots[n] = 0;
	cli_printf(s, "Committing %s%s\nSuccess!\n", args[3], dots);
	return CLI_DONE;
}

static int abort_ssl_cert(struct cli_session *s, int argc, char **args)
{
	if (argc < 4)
		return cli_err(s, "'abort ssl cert' expects a filename\n");
	if (tls_cert_abort(args[3]) < 0)
		return cli_err(s, "No ongoing transaction!\n");
	cli_sevf(s, CLI_SEV_INFO, "Transaction aborted for certificate '%s'!\n", args[3]);
	return CLI_DONE;
}

static int new_ssl_cert(struct cli_session *s, int argc, char **args)
{
	char err[512];

	if (argc < 4)
		return cli_err(s, "'new ssl cert' expects a filename\n");
	if (tls_cert_new(args[3], err, sizeof(err)) < 0)
		cli_printf(s, "%s\n", err);
	else
		cli_sevf(s, CLI_SEV_INFO, "New empty certificate store '%s'!\n", args[3]);
	return CLI_DONE;
}

static int del_ssl_cert(struct cli_session *s, int argc, char **args)
{
	char err[512];

	if (argc < 4)
		return cli_err(s, "'del ssl cert' expects a certificate name\n");
	if (tls_cert_del(args[3], err, sizeof(err)) < 0)
		cli_sevf(s, CLI_SEV_ERR, "Can't remove the certificate: %s\n", err);
	else
		cli_sevf(s, CLI_SEV_INFO, "Certificate '%s' deleted!\n", args[3]);
	return CLI_DONE;
}

static int show_tls_keys(struct cli_session *s, int argc, char **args)
{
	static char out[16384];   /* CLI thread only */
	int n = tls_keys_show(argc > 2 ? args[2] : NULL, out, sizeof(out));

	if (n < 0)
		return cli_err(s, "'show tls-keys' unable to locate referenced filename\n");
	cli_write(s, out, (size_t)n);
	return CLI_DONE;
}

static int set_ssl_tls_key(struct cli_session *s, int argc, char **args)
{
	char err[256];

	if (argc < 5)
		return cli_err(s, "'set ssl tls-key' expects a filename and the new TLS key in base64 encoding.\n");
	if (tls_keys_set(args[3], args[4], err, sizeof(err)) < 0)
		cli_printf(s, "%s\n", err);
	else
		cli_printf(s, "TLS ticket key updated!\n");
	return CLI_DONE;
}

static int show_ssl_crtlist(struct cli_session *s, int argc, char **args)
{
	static char out[65536];   /* CLI thread only */
	int num = argc > 3 && !strcmp(args[3], "-n");
	const char *path = argc > 3 + num ? args[3 + num] : NULL;
	int n;

	if (num && !path)
		return cli_err(s, "'show ssl crt-list -n' expects a filename or a directory\n");
	n = tls_crtlist_show(path, num, out, sizeof(out));
	if (n == -ENOENT)
		return cli_err(s, "didn't find the specified filename\n");
	if (n < 0)
		return cli_err(s, "the list is too long to be shown\n");
	cli_write(s, out, (size_t)n);
	return CLI_DONE;
}

static int add_ssl_crtlist(struct cli_session *s, int argc, char **args)
{
	const char *payload = cli_payload(s);
	struct tls_crtlist_line ln;
	char line[4096], err[1024], *perr = NULL;
	int r;

	if (argc < 4 || (argc < 5 && (!payload || !*payload)))
		return cli_err(s, "'add ssl crtlist' expects a filename and a certificate name\n");
	if (argc >= 5) {
		snprintf(line, sizeof(line), "%s", args[4]);
	} else {
		size_t n = strcspn(payload, "\n");

		if (payload[n] && payload[n + 1 + strspn(payload + n + 1, " \t\r\n")]) {
			cli_sevf(s, CLI_SEV_ERR, "Can't edit the crt-list: only one line of payload is supported!\n");
			return CLI_DONE;
		}
		snprintf(line, sizeof(line), "%.*s", (int)n, payload);
	}
	r = cfg_crtlist_parse_line(line, "CLI", 1, &ln, &perr);
	if (r <= 0) {
		cli_sevf(s, CLI_SEV_ERR, "Can't edit the crt-list: %s\n",
		           r < 0 && perr ? perr : "'add ssl crtlist' should contain the certificate name in the payload");
		free(perr);
		return CLI_DONE;
	}
	if (tls_crtlist_check(args[3], &ln, err, sizeof(err)) < 0) {
		cli_sevf(s, CLI_SEV_ERR, "Can't edit the crt-list: %s\n", err);
		tls_crtlist_line_clear(&ln);
		return CLI_DONE;
	}
	cli_sevf(s, CLI_SEV_INFO, "Inserting certificate '%s' in crt-list '%s'.\n", ln.crt, args[3]);
	if (tls_crtlist_add(args[3], &ln, err, sizeof(err)) < 0) {
		cli_printf(s, "%s\nFailed!\n", err);
		tls_crtlist_line_clear(&ln);
		return CLI_DONE;
	}
	cli_printf(s, "Success!\n");
	return CLI_DONE;
}

static int del_ssl_crtlist(struct cli_session *s, int argc, char **args)
{
	char err[2048], crt[4096];
	const char *colon;
	int line = 0;

	if (argc < 5)
		return cli_err(s, "'del ssl crtlist' expects a filename and a certificate name\n");
	snprintf(crt, sizeof(crt), "%s", args[4]);
	colon = strrchr(args[4], ':');
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);

		if (*end || v <= 0 || v > 1000000000) {
			cli_sevf(s, CLI_SEV_ERR, "Can't delete the entry: wrong line number after colons in '%s'!\n", args[4]);
			return CLI_DONE;
		}
		line = (int)v;
		crt[colon - args[4]] = 0;
	}
	if (tls_crtlist_del(args[3], crt, line, err, sizeof(err)) < 0) {
		cli_sevf(s, CLI_SEV_ERR, "Can't delete the entry: %s\n", err);
		return CLI_DONE;
	}
	cli_sevf(s, CLI_SEV_INFO, "Entry '%s' deleted in crtlist '%s'!\n", crt, args[3]);
	return CLI_DONE;
}

/* ---- CA files and CRL files: one set of commands for both kinds ---- */

/* The words of kind <args[2]> ("ca-file" or "crl-file") in HAProxy's
 * messages.
 */
struct ca_words {
	enum tls_ca_kind kind;
	const char *cmd;             /* "ca-file" */
	const char *what;            /* "CA" */
	const char *payload;         /* "CAs" */
};

static const struct ca_words *ca_words(char **args)
{
	static const struct ca_words w[2] = {
		{ TLS_CA_FILE, "ca-file", "CA", "CAs" },
		{ TLS_CA_CRL, "crl-file", "CRL", "CRLs" },
	};

	return &w[!strcmp(args[2], "crl-file")];
}

static int show_ssl_ca(struct cli_session *s, int argc, char **args)
{
	static char out[65536];   /* CLI thread only */
	const struct ca_words *w = ca_words(args);
	const char *f, *txn;
	int n, count;

	if (argc > 3) {
		char path[4096], *colon, *end;
		long index = 0;

		snprintf(path, sizeof(path), "%s", args[3]);
		colon = strrchr(path, ':');
		if (colon) {
			index = strtol(colon + 1, &end, 10);
			if (*end || end == colon + 1 || index <= 0) {
				cli_printf(s, "wrong %s index after colons in '%s'!", w->what, args[3]);   /* no blank line, as HAProxy */
				return CLI_DONE;
			}
			*colon = 0;
		}
		n = tls_ca_describe(w->kind, path, (int)index, out, sizeof(out));
		if (n == -ENOENT) {
			cli_printf(s, "Can't display the %s file : Not found!\n", w->what);
			return CLI_DONE;
		}
		if (n < 0)
			return cli_msg(s, "'show ssl ca-file' : the file is too long to be shown\n");
		cli_write(s, out, (size_t)n);
		return CLI_DONE;
	}
	txn = tls_ca_txn(w->kind, &count);
	if (txn && w->kind == TLS_CA_FILE)
		cli_printf(s, "# transaction\n*%s - %d certificate(s)\n", txn, count);
	else if (txn)
		cli_printf(s, "# transaction\n*%s\n", txn);
	cli_printf(s, "# filename\n");
	for (f = tls_ca_next(w->kind, NULL, &count); f; f = tls_ca_next(w->kind, f, &count)) {
		if (w->kind == TLS_CA_FILE ? cli_printf(s, "%s - %d certificate(s)\n", f, count) < 0 :
		    cli_printf(s, "%s\n", f) < 0)
			break;
	}
	return CLI_DONE;
}

static int new_ssl_ca(struct cli_session *s, int argc, char **args)
{
	const struct ca_words *w = ca_words(args);
	int r;

	if (argc < 4) {
		cli_printf(s, "'new ssl %s' expects a filename\n", w->cmd);
		return CLI_DONE;
	}
	r = tls_ca_new(w->kind, args[3]);
	if (r == -EEXIST)
		cli_printf(s, "%s file '%s' already exists!\n", w->what, args[3]);
	else if (r < 0)
		cli_printf(s, "'new ssl %s' : not enough memory!\n", w->cmd);
	else
		cli_printf(s, "New %s file created '%s'!\n", w->what, args[3]);
	return CLI_DONE;
}

static int set_ssl_ca(struct cli_session *s, int argc, char **args)
{
	const struct ca_words *w = ca_words(args);
	const char *payload = cli_payload(s);
	char err[1024];
	int updated = 0;

	if (argc < 4 || !payload || !*payload) {
		cli_printf(s, "'set ssl %s' expects a filename and %s as a payload\n", w->cmd, w->payload);
		return CLI_DONE;
	}
	if (tls_ca_set(w->kind, args[3], payload, &updated, err, sizeof(err)) < 0)
		cli_printf(s, "%s\nCan't update %s!\n", err, args[3]);
	else
		cli_printf(s, "transaction %s for %s %s!\n", updated ? "updated" : "created", w->what, args[3]);
	return CLI_DONE;
}

static int commit_ssl_ca(struct cli_session *s, int argc, char **args)
{
	const struct ca_words *w = ca_words(args);
	char err[1024] = "";
	unsigned int n = 0;

	if (argc < 4) {
		cli_printf(s, "'commit ssl %s' expects a filename\n", w->cmd);
		return CLI_DONE;
	}
	if (tls_ca_commit(w->kind, args[3], &n, err, sizeof(err)) < 0) {
		cli_printf(s, "%s\nCan't commit %s!\n", err, args[3]);
		return CLI_DONE;
	}
	/* HAProxy prints one dot per instance rebuilt, at least one */
	cli_printf(s, "Committing %s", args[3]);
	for (unsigned int i = 0; i < (n ? n : 1) && i < 64; i++)
		cli_printf(s, ".");
	cli_printf(s, "\nSuccess!\n");
	return CLI_DONE;
}

static int abort_ssl_ca(struct cli_session *s, int argc, char **args)
{
	const struct ca_words *w = ca_words(args);
	char err[1024];

	if (argc < 4) {
		cli_printf(s, "'abort ssl %s' expects a filename\n", w->cmd);
		return CLI_DONE;
	}
	if (tls_ca_abort(w->kind, args[3], err, sizeof(err)) < 0)
		cli_printf(s, "%s\n", err);
	else
		cli_printf(s, "Transaction aborted for certificate '%s'!\n", args[3]);
	return CLI_DONE;
}

static int del_ssl_ca(struct cli_session *s, int argc, char **args)
{
	const struct ca_words *w = ca_words(args);
	char err[1024];

	if (argc < 4) {
		cli_printf(s, "'del ssl %s' expects a %s file name\n", w->cmd, w->what);
		return CLI_DONE;
	}
	if (tls_ca_del(w->kind, args[3], err, sizeof(err)) < 0)
		cli_printf(s, "Can't remove the %s file: %s\n", w->what, err);
	else
		cli_printf(s, "%s file '%s' deleted!\n", w->what, args[3]);
	return CLI_DONE;
}

static int show_ssl_ocsp(struct cli_session *s, int argc, char **args)
{
	static char out[65536];   /* CLI thread only */
	int n = tls_ocsp_show(argc > 3 ? args[3] : NULL, out, sizeof(out));

	if (n == -ENOENT)
		return cli_msg(s, "Certificate ID does not match any certificate.\n");
	if (n < 0)
		return cli_msg(s, "'show ssl ocsp-response' output too large.\n");
	cli_write(s, out, (size_t)n);
	return CLI_DONE;
}

static int set_ssl_ocsp(struct cli_session *s, int argc, char **args)
{
	const char *b64 = cli_payload(s);
	char err[512];

	if (!b64 || !*b64)
		b64 = argc > 3 ? args[3] : "";
	if (!*b64)
		return cli_msg(s, "'set ssl ocsp-response' expects response in base64 encoding.\n");
	if (tls_ocsp_set(b64, err, sizeof(err)) < 0)
		cli_printf(s, "%s\n", err);
	else
		cli_printf(s, "OCSP Response updated!\n");
	return CLI_DONE;
}

static struct cli_kw ssl_kws[] = {
	{ { "show", "ssl", "cert", NULL }, "show ssl cert [<certfile>]              : display the SSL certificates used in memory, or the details of a file",
	  CLI_LVL_OPER, show_ssl_cert, NULL, NULL, NULL },
	{ { "set", "ssl", "cert", NULL }, "set ssl cert <certfile> <payload>       : replace a certificate file",
	  CLI_LVL_ADMIN, set_ssl_cert, NULL, NULL, NULL },
	{ { "commit", "ssl", "cert", NULL }, "commit ssl cert <certfile>              : commit a certificate file",
	  CLI_LVL_ADMIN, commit_ssl_cert, NULL, NULL, NULL },
	{ { "abort", "ssl", "cert", NULL }, "abort ssl cert <certfile>               : abort a transaction for a certificate file",
	  CLI_LVL_ADMIN, abort_ssl_cert, NULL, NULL, NULL },
	{ { "new", "ssl", "cert", NULL }, "new ssl cert <certfile>                 : create a new certificate file to be used in a crt-list",
	  CLI_LVL_ADMIN, new_ssl_cert, NULL, NULL, NULL },
	{ { "del", "ssl", "cert", NULL }, "del ssl cert <certfile>                 : delete an unused certificate file",
	  CLI_LVL_ADMIN, del_ssl_cert, NULL, NULL, NULL },
	{ { "show", "ssl", "ca-file", NULL }, "show ssl ca-file [<cafile>[:<index>]]   : display the SSL CA files used in memory, or the details of a <cafile>, or a single certificate of index <index> of a CA file <cafile>",
	  CLI_LVL_OPER, show_ssl_ca, NULL, NULL, NULL },
	{ { "new", "ssl", "ca-file", NULL }, "new ssl ca-file <cafile>                : create a new CA file to be used in a crt-list",
	  CLI_LVL_ADMIN, new_ssl_ca, NULL, NULL, NULL },
	{ { "set", "ssl", "ca-file", NULL }, "set ssl ca-file <cafile> <payload>      : replace a CA file",
	  CLI_LVL_ADMIN, set_ssl_ca, NULL, NULL, NULL },
	{ { "commit", "ssl", "ca-file", NULL }, "commit ssl ca-file <cafile>             : commit a CA file",
	  CLI_LVL_ADMIN, commit_ssl_ca, NULL, NULL, NULL },
	{ { "abort", "ssl", "ca-file", NULL }, "abort ssl ca-file <cafile>              : abort a transaction for a CA file",
	  CLI_LVL_ADMIN, abort_ssl_ca, NULL, NULL, NULL },
	{ { "del", "ssl", "ca-file", NULL }, "del ssl ca-file <cafile>                : delete an unused CA file",
	  CLI_LVL_ADMIN, del_ssl_ca, NULL, NULL, NULL },
	{ { "show", "ssl", "crl-file", NULL }, "show ssl crl-file [<crlfile>[:<index>]] : display the SSL CRL files used in memory, or the details of a <crlfile>, or a single CRL of index <index> of CRL file <crlfile>",
	  CLI_LVL_OPER, show_ssl_ca, NULL, NULL, NULL },
	{ { "new", "ssl", "crl-file", NULL }, "new ssl crl-file <crlfile>              : create a new CRL file to be used in a crt-list",
	  CLI_LVL_ADMIN, new_ssl_ca, NULL, NULL, NULL },
	{ { "set", "ssl", "crl-file", NULL }, "set ssl crl-file <crlfile> <payload>    : replace a CRL file",
	  CLI_LVL_ADMIN, set_ssl_ca, NULL, NULL, NULL },
	{ { "commit", "ssl", "crl-file", NULL }, "commit ssl crl-file <crlfile>           : commit a CRL file",
	  CLI_LVL_ADMIN, commit_ssl_ca, NULL, NULL, NULL },
	{ { "abort", "ssl", "crl-file", NULL }, "abort ssl crl-file <crlfile>            : abort a transaction for a CRL file",
	  CLI_LVL_ADMIN, abort_ssl_ca, NULL, NULL, NULL },
	{ { "del", "ssl", "crl-file", NULL }, "del ssl crl-file <crlfile>              : delete an unused CRL file",
	  CLI_LVL_ADMIN, del_ssl_ca, NULL, NULL, NULL },
	{ { "show", "tls-keys", NULL }, "show tls-keys [id|*]                    : show tls keys references or dump tls ticket keys when id specified",
	  CLI_LVL_ADMIN, show_tls_keys, NULL, NULL, NULL },
	{ { "set", "ssl", "tls-key", NULL }, "set ssl tls-key [id|file] <key>         : set the next TLS key for the <id> or <file> listener to <key>",
	  CLI_LVL_ADMIN, set_ssl_tls_key, NULL, NULL, NULL },
	{ { "show", "ssl", "crt-list", NULL }, "show ssl crt-list [-n] [<list>]         : show the list of crt-lists or the content of one",
	  CLI_LVL_OPER, show_ssl_crtlist, NULL, NULL, NULL },
	{ { "add", "ssl", "crt-list", NULL }, "add ssl crt-list <list> <cert> [opts]*  : add a line to a crt-list (or one line as payload)",
	  CLI_LVL_ADMIN, add_ssl_crtlist, NULL, NULL, NULL },
	{ { "del", "ssl", "crt-list", NULL }, "del ssl crt-list <list> <cert[:line]>   : delete a line from a crt-list",
	  CLI_LVL_ADMIN, del_ssl_crtlist, NULL, NULL, NULL },
	{ { "show", "ssl", "ocsp-response", NULL }, "show ssl ocsp-response [id]             : display the IDs of the OCSP responses used in memory, or the details of a single OCSP response",
	  CLI_LVL_OPER, show_ssl_ocsp, NULL, NULL, NULL },
	{ { "set", "ssl", "ocsp-response", NULL }, "set ssl ocsp-response <resp|payload>    : update a certificate's OCSP Response from a base64-encode DER",
	  CLI_LVL_ADMIN, set_ssl_ocsp, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list ssl_kw_list = { ssl_kws, NULL };

__attribute__((constructor)) static void cli_ssl_register(void)
{
	cli_register(&ssl_kw_list);
}
