/*
 * Admin socket commands on process variables (HAProxy's):
 *   get var <proc.name>                      print its type and value
 *   set var <proc.name> [expr] <expression>  evaluate and store
 *   set var <proc.name> fmt <log-format>     render and store
 *   experimental-mode [on|off], expert-mode [on|off]
 *                                            accepted for scripts written for
 *                                            HAProxy (which gates set var behind
 *                                            experimental-mode); no effect
 * Only the proc scope exists outside a stream. See vars.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cli.h>
#include <tollgate/sample.h>
#include <tollgate/var_action.h>
#include <tollgate/vars.h>

/* HAProxy's names of the sample types in "get var" answers. */
static const char *cli_var_type(int type)
{
	switch (type) {
	case SMP_T_BOOL: return "bool";
	case SMP_T_SINT: return "sint";
	case SMP_T_IPV4: return "ipv4";
	case SMP_T_IPV6: return "ipv6";
	case SMP_T_STR:  return "str";
	case SMP_T_BIN:  return "bin";
	default:         return "any";
	}
}

static int parse_get_var(struct cli_session *s, int argc, char **args)
{
	struct sample smp = { 0 };
	struct sample_ctx ctx = { .opt = SMP_OPT_FINAL };
	struct var_ref ref;
	char *err = NULL;

	if (argc < 3)
		return cli_err(s, "Missing process-wide variable identifier.\n");
	if (var_parse_name(args[2], strlen(args[2]), &ref, &err) < 0) {
		cli_printf(s, "%s.\n", err ? err : "Invalid variable name");
		free(err);
		return CLI_DONE;
	}
	if (ref.scope != VAR_SCOPE_PROC || !vars_get(&ref, &ctx, &smp.data))
		return cli_err(s, "Variable not found.\n");
	cli_printf(s, "%s: type=%s value=", args[2], cli_var_type(smp.data.type));
	if (!sample_cast(&smp, SMP_T_STR))
		return cli_msg(s, "(undisplayable)\n");
	cli_printf(s, "<%.*s>\n", (int)smp.data.u.str.len, smp.data.u.str.ptr);
	return CLI_DONE;
}

static int parse_set_var(struct cli_session *s, int argc, char **args)
{
	char value[CLI_INBUF_SIZE];
	size_t len = 0;
	char *err = NULL;
	int fmt = 0, first = 3;

	if (argc < 4)
		return cli_err(s, "Missing process-wide variable identifier and expression.\n");
	if (!strcmp(args[3], "fmt") || !strcmp(args[3], "expr")) {
		fmt = args[3][0] == 'f';
		first = 4;
		if (argc < 5)
			return cli_msg(s, fmt ? "Missing format string.\n" : "Missing expression.\n");
	}
	/* the expression is the rest of the line, its words joined by spaces */
	for (int i = first; i < argc; i++) {
		int n = snprintf(value + len, sizeof(value) - len, "%s%s", i > first ? " " : "", args[i]);

		if (n < 0 || (size_t)n >= sizeof(value) - len)
			return cli_err(s, "Expression too long.\n");
		len += (size_t)n;
	}
	if (var_set_global(args[2], value, fmt, &err) < 0) {
		cli_sevf(s, CLI_SEV_ERR, "Failed to set variable '%s': %s.\n", args[2], err ? err : "error");
		free(err);
		return CLI_DONE;
	}
	return CLI_DONE;
}

static struct cli_kw vars_kws[] = {
	{ { "get", "var", NULL }, "get var <name>                          : retrieve contents of a process-wide variable",
	  CLI_LVL_OPER, parse_get_var, NULL, NULL, NULL },
	{ { "set", "var", NULL }, "set var <name> [fmt|expr] {<fmt>|<expr>}: set the value of a process-wide variable",
	  CLI_LVL_OPER | CLI_EXPERIMENTAL, parse_set_var, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list vars_kw_list = { vars_kws, NULL };

__attribute__((constructor)) static void cli_vars_register(void)
{
	cli_register(&vars_kw_list);
}
