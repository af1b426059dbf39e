/*
 * Fetches on the process (HAProxy's names): env(<name>), hostname, pid,
 * proc (always 1: one process), thread (the worker's number, from 0),
 * uptime (seconds), stopping (a soft stop began), quic_enabled (false:
 * no QUIC). Valid everywhere.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tollgate/clock.h>
#include <tollgate/listener.h>
#include <tollgate/sample.h>
#include <tollgate/thread.h>

static uint64_t process_start_ns;

__attribute__((constructor)) static void fetch_process_mark_start(void)
{
	process_start_ns = clock_mono_ns();
}

/* env(<name>): the environment variable, no sample if unset. */
static int smp_env(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const char *v = getenv(args[0].data.str.ptr);

	if (!v)
		return 0;
	sample_set_str(smp, v, strlen(v));
	return 1;
}

static int smp_hostname(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	char *out = sample_scratch();

	if (gethostname(out, 256) < 0)
		return 0;
	out[255] = '\0';
	sample_set_str(smp, out, strlen(out));
	return 1;
}

/* pid, proc, thread, uptime, stopping, quic_enabled: integers and
 * booleans, told apart by the keyword's private value.
 */
enum proc_value { PV_PID, PV_PROC, PV_THREAD, PV_UPTIME, PV_STOPPING, PV_QUIC };

static int smp_process(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	switch ((enum proc_value)(uintptr_t)smp->kw_private) {
	case PV_PID:      sample_set_sint(smp, getpid()); break;
	case PV_PROC:     sample_set_sint(smp, 1); break;
	case PV_THREAD:   sample_set_sint(smp, tid < 0 ? 0 : tid); break;
	case PV_UPTIME:   sample_set_sint(smp, (int64_t)((clock_mono_ns() - process_start_ns) / 1000000000ULL)); break;
	case PV_STOPPING: sample_set_bool(smp, listeners_stopping()); break;
	case PV_QUIC:     sample_set_bool(smp, 0); break;
	}
	return 1;
}

static struct sample_fetch_kw_list process_fetches = { .kw = {
	{ "env",          smp_env,      SMP_ARG1(1, STR), NULL, SMP_T_STR,  SMP_USE_ANY },
	{ "hostname",     smp_hostname, SMP_ARG0,         NULL, SMP_T_STR,  SMP_USE_ANY },
	{ "pid",          smp_process,  SMP_ARG0,         NULL, SMP_T_SINT, SMP_USE_ANY, (void *)PV_PID },
	{ "proc",         smp_process,  SMP_ARG0,         NULL, SMP_T_SINT, SMP_USE_ANY, (void *)PV_PROC },
	{ "thread",       smp_process,  SMP_ARG0,         NULL, SMP_T_SINT, SMP_USE_ANY, (void *)PV_THREAD },
	{ "uptime",       smp_process,  SMP_ARG0,         NULL, SMP_T_SINT, SMP_USE_ANY, (void *)PV_UPTIME },
	{ "stopping",     smp_process,  SMP_ARG0,         NULL, SMP_T_BOOL, SMP_USE_ANY, (void *)PV_STOPPING },
	{ "quic_enabled", smp_process,  SMP_ARG0,         NULL, SMP_T_BOOL, SMP_USE_ANY, (void *)PV_QUIC },
	{ NULL, NULL, 0, NULL, 0, 0 },
} };

__attribute__((constructor)) static void fetch_process_register(void)
{
	sample_register_fetches(&process_fetches);
}
