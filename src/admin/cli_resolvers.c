/*
 * `show resolvers [<section>]`: each nameserver's counters, in HAProxy's
 * format (resolvers.h). Counters are read with relaxed loads while
 * thread 0 updates them.
 */
#include <stdatomic.h>
#include <string.h>

#include <tollgate/cli.h>
#include <tollgate/resolvers.h>

struct rsv_ctx {
	struct resolvers *rs;             /* section being dumped */
	struct resolvers *only;           /* the one asked for, or NULL: all */
	struct dns_nameserver *ns;        /* next nameserver of <rs> to write */
	int head_done;                    /* <rs>'s first line is written */
};

static unsigned long long rd(const _Atomic uint64_t *c)
{
	return (unsigned long long)atomic_load_explicit(c, memory_order_relaxed);
}

/* Writes nameserver <ns>'s counters. Returns <0 when the output is full. */
static int dump_ns(struct cli_session *s, const struct dns_nameserver *ns)
{
	const struct rsv_counters *c = &ns->cnt;

	return cli_printf(s, " nameserver %s:\n"
	                     "  sent:        %llu\n  snd_error:   %llu\n  valid:       %llu\n"
	                     "  update:      %llu\n  cname:       %llu\n  cname_error: %llu\n"
	                     "  any_err:     %llu\n  nx:          %llu\n  timeout:     %llu\n"
	                     "  refused:     %llu\n  other:       %llu\n  invalid:     %llu\n"
	                     "  too_big:     %llu\n  truncated:   %llu\n  outdated:    %llu\n",
	                  ns->id, rd(&c->sent), rd(&c->snd_error), rd(&c->valid), rd(&c->update),
	                  rd(&c->cname), rd(&c->cname_error), rd(&c->any_err), rd(&c->nx),
	                  rd(&c->timeout), rd(&c->refused), rd(&c->other), rd(&c->invalid),
	                  rd(&c->too_big), rd(&c->truncated), rd(&c->outdated));
}

/* Resumes where the output was full: a section's head, then each
 * nameserver as a whole.
 */
static int dump_resolvers(struct cli_session *s)
{
	struct rsv_ctx *c = cli_ctx(s);

	for (; c->rs; c->rs = c->only ? NULL : c->rs->next, c->head_done = 0) {
		if (!c->head_done) {
			if (cli_printf(s, "Resolvers section %s\n", c->rs->id) < 0)
				return 0;
			c->head_done = 1;
			c->ns = c->rs->ns;
		}
		for (; c->ns; c->ns = c->ns->next)
			if (dump_ns(s, c->ns) < 0)
				return 0;
	}
	return 1;
}

static int parse_show_resolvers(struct cli_session *s, int argc, char **args)
{
	struct rsv_ctx *c = cli_ctx(s);

	if (argc > 2) {
		c->only = resolvers_find(args[2]);
		if (!c->only)
			return cli_err(s, "Can't find that resolvers section\n");
	}
	c->rs = c->only ? c->only : resolvers_list;
	return CLI_DUMP;
}

static struct cli_kw rsv_cli_kws[] = {
	{ { "show", "resolvers", NULL }, "show resolvers [id]                     : dumps counters from all resolvers section and associated name servers",
	  CLI_LVL_OPER, parse_show_resolvers, dump_resolvers, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list rsv_cli_list = { rsv_cli_kws, NULL };

__attribute__((constructor)) static void rsv_cli_register(void)
{
	cli_register(&rsv_cli_list);
}
