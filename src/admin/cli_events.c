/*
 * `show events [<sink>] [-w] [-n] [-0]`: lists the event sinks, or dumps a
 * ring (sink.h), as HAProxy. With -w the dump then waits for new messages
 * (the session's task is a waiter of the ring, woken by every write) until
 * the client sends anything or closes; -n starts at the end of the ring;
 * -0 ends messages with a NUL instead of a line feed.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/cli.h>
#include <tollgate/ring.h>
#include <tollgate/sink.h>

struct events_ctx {
	struct sink *sk;             /* the ring dumped */
	uint64_t pos;                /* next message */
	int wait;                    /* -w: wait for new messages at the end */
	int attached;                /* <waiter> is on the ring */
	char eol;                    /* '\n', or '\0' with -0 */
	struct ring_waiter waiter;   /* the session's task, with -w */
	char *scratch;               /* a message larger than the output buffer */
};

_Static_assert(sizeof(struct events_ctx) <= CLI_CTX_SIZE, "events_ctx fits in the CLI context");

static int list_sinks(struct cli_session *s)
{
	cli_printf(s, "Supported events sinks are listed below. Add -w(wait), -n(new). Any key to stop\n");
	for (struct sink *sk = sink_list; sk; sk = sk->next)
		cli_printf(s, "    %-10s : type=%s, %llu dropped, %s\n", sk->name,
		           sk->type == SINK_FD ? "fd" : "buffer",
		           (unsigned long long)(sk->type == SINK_BUFFER ? atomic_load_explicit(&sk->ring.dropped, memory_order_relaxed) : 0),
		           sk->desc);
	return CLI_DONE;
}

static int show_events_parse(struct cli_session *s, int argc, char **args)
{
	struct events_ctx *ctx = cli_ctx(s);
	int newest = 0;

	if (argc < 3)
		return list_sinks(s);
	if (cli_level(s) < CLI_LVL_OPER)
		return cli_err(s, "Permission denied\n");
	ctx->sk = sink_find(args[2]);
	if (!ctx->sk || (ctx->sk->type == SINK_BUFFER && !ctx->sk->ring.area))
		return cli_err(s, "No such event sink");
	ctx->eol = '\n';
	for (int i = 3; i < argc; i++) {
		const char *o = args[i];

		if (o[0] != '-' || !o[1])
			return cli_err(s, "unknown option");
		for (o++; *o; o++) {
			if (*o == 'w')
				ctx->wait = 1;
			else if (*o == 'n')
				newest = 1;
			else if (*o == '0')
				ctx->eol = '\0';
			else
				return cli_err(s, "unknown option");
		}
	}
	if (ctx->sk->type != SINK_BUFFER)
		return CLI_DONE;   /* nothing kept: an empty answer, as HAProxy */
	if (ctx->wait) {
		/* attached before the first read: no write can slip between */
		ctx->waiter.task = cli_task_of(s);
		ring_attach(&ctx->sk->ring, &ctx->waiter);
		ctx->attached = 1;
	}
	ctx->pos = newest ? ring_tail(&ctx->sk->ring) : ring_head(&ctx->sk->ring);
	return CLI_DUMP;
}

static int show_events_dump(struct cli_session *s)
{
	struct events_ctx *ctx = cli_ctx(s);
	struct ring *r = &ctx->sk->ring;

	for (;;) {
		size_t room;
		char *tail = cli_tail(s, &room);
		ssize_t n;

		if (room < 2)
			return 0;
		n = ring_read(r, &ctx->pos, tail, room - 1, NULL);
		if (n < 0) {
			if (cli_output_pending(s))
				return 0;   /* once the buffer is empty */
			/* larger than the whole output buffer: cut */
			if (!ctx->scratch && !(ctx->scratch = malloc(r->size)))
				return 1;
			n = ring_read(r, &ctx->pos, ctx->scratch, r->size, NULL);
			if (n < 0)
				return 1;
			memcpy(tail, ctx->scratch, room - 1);
			n = (ssize_t)room - 1;
		}
		if (n == 0)
			return ctx->wait ? CLI_DUMP_WAIT : 1;
		tail[n] = ctx->eol;
		cli_commit(s, (size_t)n + 1);
	}
}

static void show_events_release(struct cli_session *s)
{
	struct events_ctx *ctx = cli_ctx(s);

	if (ctx->attached)
		ring_detach(&ctx->sk->ring, &ctx->waiter);
	ctx->attached = 0;
	free(ctx->scratch);
	ctx->scratch = NULL;
}

static struct cli_kw events_kws[] = {
	{ { "show", "events", NULL }, "show events [<sink>] [-w] [-n]          : show event sink state",
	  CLI_LVL_USER, show_events_parse, show_events_dump, show_events_release, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list events_list = { .kw = events_kws };

__attribute__((constructor)) static void cli_events_register(void)
{
	cli_register(&events_list);
}
