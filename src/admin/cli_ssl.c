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
 *
 * One transaction at a time, as HAProxy. The work is in src/net/tls.c.
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
			return cli_msg(s, "Can't display the certificate: Not found or the certificate is a bundle!\n");
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
	int updated = 0;

	if (argc < 4 || !payload || !*payload)
		return cli_msg(s, "'set ssl cert' expects a filename and a certificate as a payload\n");
	if (tls_cert_set(args[3], payload, &updated, err, sizeof(err)) < 0) {
		cli_printf(s, "%s\n", err);
		return CLI_DONE;
	}
	cli_printf(s, "Transaction %s for certificate %s!\n", updated ? "updated" : "created", args[3]);
	return CLI_DONE;
}

static int commit_ssl_cert(struct cli_session *s, int argc, char **args)
{
	char err[512], dots[64];
	unsigned int n;

	if (argc < 4)
		return cli_msg(s, "'commit ssl cert' expects a filename\n");
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
		return cli_msg(s, "'abort ssl cert' expects a filename\n");
	if (tls_cert_abort(args[3]) < 0)
		return cli_msg(s, "No ongoing transaction!\n");
	cli_printf(s, "Transaction aborted for certificate '%s'!\n", args[3]);
	return CLI_DONE;
}

static int new_ssl_cert(struct cli_session *s, int argc, char **args)
{
	char err[512];

	if (argc < 4)
		return cli_msg(s, "'new ssl cert' expects a filename\n");
	if (tls_cert_new(args[3], err, sizeof(err)) < 0)
		cli_printf(s, "%s\n", err);
	else
		cli_printf(s, "New empty certificate store '%s'!\n", args[3]);
	return CLI_DONE;
}

static int del_ssl_cert(struct cli_session *s, int argc, char **args)
{
	char err[512];

	if (argc < 4)
		return cli_msg(s, "'del ssl cert' expects a certificate name\n");
	if (tls_cert_del(args[3], err, sizeof(err)) < 0)
		cli_printf(s, "Can't remove the certificate: %s\n", err);
	else
		cli_printf(s, "Certificate '%s' deleted!\n", args[3]);
	return CLI_DONE;
}

static int show_tls_keys(struct cli_session *s, int argc, char **args)
{
	static char out[16384];   /* CLI thread only */
	int n = tls_keys_show(argc > 2 ? args[2] : NULL, out, sizeof(out));

	if (n < 0)
		return cli_msg(s, "'show tls-keys' unable to locate referenced filename\n");
	cli_write(s, out, (size_t)n);
	return CLI_DONE;
}

static int set_ssl_tls_key(struct cli_session *s, int argc, char **args)
{
	char err[256];

	if (argc < 5)
		return cli_msg(s, "'set ssl tls-key' expects a filename and the new TLS key in base64 encoding.\n");
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
		return cli_msg(s, "'show ssl crt-list -n' expects a filename or a directory\n");
	n = tls_crtlist_show(path, num, out, sizeof(out));
	if (n == -ENOENT)
		return cli_msg(s, "didn't find the specified filename\n");
	if (n < 0)
		return cli_msg(s, "the list is too long to be shown\n");
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
		return cli_msg(s, "'add ssl crtlist' expects a filename and a certificate name\n");
	if (argc >= 5) {
		snprintf(line, sizeof(line), "%s", args[4]);
	} else {
		size_t n = strcspn(payload, "\n");

		if (payload[n] && payload[n + 1 + strspn(payload + n + 1, " \t\r\n")]) {
			cli_printf(s, "Can't edit the crt-list: only one line of payload is supported!\n");
			return CLI_DONE;
		}
		snprintf(line, sizeof(line), "%.*s", (int)n, payload);
	}
	r = cfg_crtlist_parse_line(line, "CLI", 1, &ln, &perr);
	if (r <= 0) {
		cli_printf(s, "Can't edit the crt-list: %s\n",
		           r < 0 && perr ? perr : "'add ssl crtlist' should contain the certificate name in the payload");
		free(perr);
		return CLI_DONE;
	}
	if (tls_crtlist_check(args[3], &ln, err, sizeof(err)) < 0) {
		cli_printf(s, "Can't edit the crt-list: %s\n", err);
		tls_crtlist_line_clear(&ln);
		return CLI_DONE;
	}
	cli_printf(s, "Inserting certificate '%s' in crt-list '%s'.\n", ln.crt, args[3]);
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
		return cli_msg(s, "'del ssl crtlist' expects a filename and a certificate name\n");
	snprintf(crt, sizeof(crt), "%s", args[4]);
	colon = strrchr(args[4], ':');
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);

		if (*end || v <= 0 || v > 1000000000) {
			cli_printf(s, "Can't delete the entry: wrong line number after colons in '%s'!\n", args[4]);
			return CLI_DONE;
		}
		line = (int)v;
		crt[colon - args[4]] = 0;
	}
	if (tls_crtlist_del(args[3], crt, line, err, sizeof(err)) < 0) {
		cli_printf(s, "Can't delete the entry: %s\n", err);
		return CLI_DONE;
	}
	cli_printf(s, "Entry '%s' deleted in crtlist '%s'!\n", crt, args[3]);
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
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list ssl_kw_list = { ssl_kws, NULL };

__attribute__((constructor)) static void cli_ssl_register(void)
{
	cli_register(&ssl_kw_list);
}
