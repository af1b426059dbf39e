/*
 * The `ring <name>` section and its keywords (see sink.h):
 *   description <text>, format <fmt>, maxlen <n>, size <n>,
 *   timeout connect|server <t>, server <name> <addr> [log-proto ...];
 *   backing-file is refused.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/sink.h>
#include <tollgate/trafficlog.h>

#define RING_MIN_SIZE 128                 /* smaller rings hold no useful line */
#define RING_MAX_SIZE (1ULL << 30)        /* 1 GB */

static const char *const ring_formats[] = {
	[LOG_FMT_RFC3164] = "rfc3164", [LOG_FMT_RFC5424] = "rfc5424", [LOG_FMT_RAW] = "raw",
	[LOG_FMT_LOCAL] = "local", [LOG_FMT_SHORT] = "short", [LOG_FMT_PRIORITY] = "priority",
	[LOG_FMT_TIMED] = "timed", [LOG_FMT_ISO] = "iso",
};

static int ring_begin(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct sink *sk;

	if (argc < 2 || !*args[1])
		return cfg_set_err(err, "missing ring name.");
	if (argc > 2)
		return cfg_set_err(err, "'ring' cannot handle unexpected argument '%s'.", args[2]);
	for (const char *p = args[1]; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
		    !strchr("-_.:", *p))
			return cfg_set_err(err, "invalid ring name '%s' (character '%c' is not permitted).", args[1], *p);
	if (sink_find(args[1]))
		return cfg_set_err(err, "sink named '%s' already exists.", args[1]);
	sk = sink_new_ring(args[1]);
	if (!sk)
		return cfg_set_err(err, "out of memory.");
	sk->conf_file = cfg_keep_file(ctx->file);
	sk->conf_line = ctx->line;
	ctx->section_data = sk;
	return CFG_OK;
}

static int ring_end(struct cfg_ctx *ctx, char **err)
{
	struct sink *sk = ctx->section_data;

	if (sk && sk->maxlen > sk->size - RING_HDR) {
		size_t max = sk->size - RING_HDR;

		cfg_set_warn(err, "ring '%s' event max length '%zu' exceeds max payload size, forced to '%zu'.",
		             sk->name, sk->maxlen, max);
		sk->maxlen = max;
		return CFG_WARN;
	}
	return CFG_OK;
}

static int kw_description(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct sink *sk = ctx->section_data;
	char *d;

	if (argc < 2 || !*args[1])
		return cfg_set_err(err, "missing ring description text.");
	if (argc > 2)
		return cfg_set_err(err, "'description' expects one word (quote a text with spaces).");
	if (!(d = strdup(args[1])))
		return cfg_set_err(err, "out of memory.");
	free(sk->desc);
	sk->desc = d;
	return CFG_OK;
}

static int kw_format(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct sink *sk = ctx->section_data;

	if (argc != 2)
		return cfg_set_err(err, "'format' expects one of raw, local, rfc3164, rfc5424, short, priority, timed or iso.");
	for (size_t i = 0; i < sizeof(ring_formats) / sizeof(ring_formats[0]); i++)
		if (!strcmp(args[1], ring_formats[i])) {
			sk->format = (int)i;
			return CFG_OK;
		}
	return cfg_set_err(err, "unknown format '%s' (expected raw, local, rfc3164, rfc5424, short, priority, timed or iso).", args[1]);
}

static int kw_size(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct sink *sk = ctx->section_data;
	uint64_t v;

	if (argc != 2)
		return cfg_set_err(err, "'%s' expects a size in bytes.", args[0]);
	if (cfg_parse_size(args[1], &v, err) < 0)
		return CFG_ERR;
	if (!strcmp(args[0], "maxlen")) {
		if (!v || v > RING_MAX_SIZE)
			return cfg_set_err(err, "invalid event max length '%s' (expected 1 to %llu).", args[1], RING_MAX_SIZE);
		sk->maxlen = (size_t)v;
		return CFG_OK;
	}
	if (v < RING_MIN_SIZE || v > RING_MAX_SIZE)
		return cfg_set_err(err, "invalid size '%s' for new sink buffer (expected %d to %llu bytes).", args[1],
		                   RING_MIN_SIZE, RING_MAX_SIZE);
	sk->size = (size_t)v;
	return CFG_OK;
}

static int kw_timeout(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct sink *sk = ctx->section_data;

	if (argc != 3 || (strcmp(args[1], "connect") && strcmp(args[1], "server")))
		return cfg_set_err(err, "'timeout' expects 'connect <time>' or 'server <time>' in a ring section.");
	return cfg_parse_time(args[2], args[1][0] == 'c' ? &sk->tmo_connect : &sk->tmo_server, err) < 0 ? CFG_ERR : CFG_OK;
}

/* server <name> [tcp@]<ip>:<port> [log-proto legacy|octet-count] */
static int kw_server(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct sink *sk = ctx->section_data;
	struct sink_srv *ss, **tail;
	const char *a;
	char why[ADDR_ERRLEN];
	int i;

	if (argc < 3)
		return cfg_set_err(err, "'server' expects <name> and <address> (e.g. 'server syslog 127.0.0.1:6514').");
	ss = calloc(1, sizeof(*ss));
	if (!ss || !(ss->id = strdup(args[1]))) {
		free(ss);
		return cfg_set_err(err, "out of memory.");
	}
	a = args[2];
	if (!strncmp(a, "tcp@", 4) || !strncmp(a, "tcp4@", 5) || !strncmp(a, "tcp6@", 5))
		a = strchr(a, '@') + 1;
	if (addr_parse(a, ADDR_P_NO_FD, &ss->addr, why, sizeof(why)) < 0 || ss->addr.kind != ADDR_INET) {
		free(ss->id);
		free(ss);
		if (strchr(a, '@') || strchr(a, '/'))
			return cfg_set_err(err, "'server %s' : '%s' : a ring forwards to a TCP address only (<ip>:<port> or tcp@<ip>:<port>).",
			                   args[1], args[2]);
		return cfg_set_err(err, "'server %s' : %s.", args[1], why);
	}
	for (i = 3; i < argc; i += 2) {
		if (!strcmp(args[i], "log-proto") && i + 1 < argc &&
		    (!strcmp(args[i + 1], "legacy") || !strcmp(args[i + 1], "octet-count"))) {
			ss->octet = args[i + 1][0] == 'o';
			continue;
		}
		free(ss->id);
		free(ss);
		if (!strcmp(args[i], "log-proto"))
			return cfg_set_err(err, "'server %s' : 'log-proto' expects 'legacy' or 'octet-count'.", args[1]);
		return cfg_set_err(err, "'server %s' : '%s' is not supported on a ring's server (supported: log-proto).",
		                   args[1], args[i]);
	}
	ss->sink = sk;
	ss->fd = -1;
	ss->conf_file = cfg_keep_file(ctx->file);
	ss->conf_line = ctx->line;
	for (tail = &sk->srvs; *tail; tail = &(*tail)->next)
		;
	*tail = ss;
	return CFG_OK;
}

static int kw_backing_file(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	return cfg_set_err(err, "'backing-file' is not supported: Tollgate keeps rings in memory only (read them with 'show events' on the admin socket, or forward them with a 'server' line).");
}

static struct cfg_section ring_section = {
	.name = "ring", .begin = ring_begin, .end = ring_end, .kw_scope = "ring",
};

static struct cfg_kw ring_kws[] = {
	{ "description", kw_description, 0 },
	{ "format", kw_format, 0 },
	{ "maxlen", kw_size, 0 },
	{ "size", kw_size, 0 },
	{ "timeout", kw_timeout, 0 },
	{ "server", kw_server, 0 },
	{ "backing-file", kw_backing_file, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list ring_kw_list = { .scope = "ring", .kws = ring_kws };

__attribute__((constructor)) static void cfg_ring_register(void)
{
	cfg_register_section(&ring_section);
	cfg_register_keywords(&ring_kw_list);
}
