/*
 * Admin socket commands for TLS certificates, as HAProxy's:
 *
 *   show ssl cert [<file>|*<file>]   list the files, or describe one (the
 *                                    transaction's new one with '*')
 *   set ssl cert <file> <<           start (or update) a transaction with
 *                                    the PEM given as payload
 *   commit ssl cert <file>           apply it: new handshakes use it
 *   abort ssl cert <file>            drop it
 *
 * One transaction at a time, as HAProxy. The work is in src/net/tls.c.
 */
#include <stdio.h>
#include <string.h>

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

static struct cli_kw ssl_kws[] = {
	{ { "show", "ssl", "cert", NULL }, "show ssl cert [<certfile>]              : display the SSL certificates used in memory, or the details of a file",
	  CLI_LVL_OPER, show_ssl_cert, NULL, NULL, NULL },
	{ { "set", "ssl", "cert", NULL }, "set ssl cert <certfile> <payload>       : replace a certificate file",
	  CLI_LVL_ADMIN, set_ssl_cert, NULL, NULL, NULL },
	{ { "commit", "ssl", "cert", NULL }, "commit ssl cert <certfile>              : commit a certificate file",
	  CLI_LVL_ADMIN, commit_ssl_cert, NULL, NULL, NULL },
	{ { "abort", "ssl", "cert", NULL }, "abort ssl cert <certfile>               : abort a transaction for a certificate file",
	  CLI_LVL_ADMIN, abort_ssl_cert, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list ssl_kw_list = { ssl_kws, NULL };

__attribute__((constructor)) static void cli_ssl_register(void)
{
	cli_register(&ssl_kw_list);
}
