/*
 * debug([<prefix>][,<destination>]) (HAProxy's 7.3.1): passes the sample
 * on unchanged and writes "[debug] <prefix>: type=<type> <<value>>" (non
 * printable bytes as '.') to the sink <destination> (sink.h): "stdout" or
 * "stderr", one write per line, or a ring ("buf0", the default, or a ring
 * section's name, read with `show events`), stored with no log header
 * whatever the ring's format, as HAProxy does. The sink is looked up by
 * name at each call (sinks are read-only once workers run), so a ring
 * section may follow its first use; an unknown name drops the line. The
 * line is built on the stack, never in the scratch area, so that the
 * chain's samples stay intact.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tollgate/errmsg.h>
#include <tollgate/sample.h>
#include <tollgate/sink.h>

#define DEBUG_LINE_MAX 4096

/* HAProxy's short type names, as its debug lines print them. */
static const char *debug_type(int type)
{
	static const char *const names[SMP_TYPES] = {
		[SMP_T_ANY] = "any", [SMP_T_BOOL] = "bool", [SMP_T_SINT] = "sint",
		[SMP_T_ADDR] = "addr", [SMP_T_IPV4] = "ipv4", [SMP_T_IPV6] = "ipv6",
		[SMP_T_STR] = "str", [SMP_T_BIN] = "bin",
	};

	return type >= 0 && type < SMP_TYPES ? names[type] : "?";
}

static int conv_debug(const struct sample_arg *args, struct sample *smp, void *private)
{
	char line[DEBUG_LINE_MAX], val[INET6_ADDRSTRLEN + 24];
	const char *v = val;
	size_t vlen, o;
	struct sink *sk = sink_find(args[1].type == SMP_ARGT_STR ? args[1].data.str.ptr : "buf0");

	if (!sk)
		return 1;   /* no such sink: the line is dropped */
	switch (smp->data.type) {
	case SMP_T_BOOL:
	case SMP_T_SINT:
		snprintf(val, sizeof(val), "%" PRId64, smp->data.u.sint);
		vlen = strlen(val);
		break;
	case SMP_T_IPV4:
		inet_ntop(AF_INET, &smp->data.u.ipv4, val, sizeof(val));
		vlen = strlen(val);
		break;
	case SMP_T_IPV6:
		inet_ntop(AF_INET6, &smp->data.u.ipv6, val, sizeof(val));
		vlen = strlen(val);
		break;
	default:
		v = smp->data.u.str.ptr;
		vlen = smp->data.u.str.len;
		break;
	}
	o = (size_t)snprintf(line, sizeof(line) - 3, "[debug] %s: type=%s <",
			     args[0].type == SMP_ARGT_STR ? args[0].data.str.ptr : "", debug_type(smp->data.type));
	if (o > sizeof(line) - 3)
		o = sizeof(line) - 3;
	for (size_t i = 0; i < vlen && o < sizeof(line) - 2; i++)
		line[o++] = isprint((unsigned char)v[i]) ? v[i] : '.';
	line[o++] = '>';
	if (sk->type == SINK_BUFFER) {
		sink_write(sk, "", 0, line, o);
		return 1;
	}
	line[o++] = '\n';
	if (write(sk->fd, line, o) < 0)
		return 1;   /* a debug line lost changes nothing */
	return 1;
}

static struct sample_conv_kw_list conv_debug_kws = { .kw = {
	{ "debug", conv_debug, SMP_ARG2(0, STR, STR), NULL, SMP_T_ANY, SMP_T_ANY, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void conv_debug_register(void)
{
	sample_register_convs(&conv_debug_kws);
}
