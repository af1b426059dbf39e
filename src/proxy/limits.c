/*
 * File-descriptor budget and RLIMIT_NOFILE. See limits.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <tollgate/fd.h>
#include <tollgate/global.h>
#include <tollgate/limits.h>
#include <tollgate/log.h>
#include <tollgate/proxy.h>
#include <tollgate/server-t.h>

/* Descriptors kept for what is not counted one by one: standard streams,
 * log sockets, configuration and map files, admin sessions (HAProxy's 10).
 */
#define LIMITS_RESERVED_FDS 10

/* Returns the number of threads of <nbthread> that accept on <l>. */
static unsigned int listener_fds(const struct listener *l, int nbthread)
{
	unsigned long all = nbthread >= 64 ? ~0UL : (1UL << nbthread) - 1;
	unsigned long m = l->thread_mask ? l->thread_mask & all : all;

	return m ? (unsigned int)__builtin_popcountl(m) : 1;
}

/* Returns the descriptors the configuration needs besides connections and
 * pipes; sets *<splice> when a proxy may splice.
 */
static unsigned int fixed_fds(int nbthread, int *splice)
{
	unsigned int n = LIMITS_RESERVED_FDS + 2 * (unsigned int)nbthread;

	*splice = 0;
	for (const struct global_stats_socket *gs = global.stats_sockets; gs; gs = gs->next)
		n++;
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct listener *l;

		if (px->disabled)
			continue;
		if ((px->options & (PR_O_SPLICE_AUTO | PR_O_SPLICE_REQ | PR_O_SPLICE_RES)) && !global.nosplice)
			*splice = 1;
		if (px->cap & PR_CAP_FE)
			list_for_each(l, &px->listeners, list)
				n += listener_fds(l, nbthread);
		for (const struct server *srv = px->srv; srv; srv = srv->next)
			if (srv->flags & SRV_F_CHECK)
				n++;
	}
	return n;
}

/* Returns the descriptor limit a default maxconn is computed from. */
static rlim_t fd_budget(void)
{
	struct rlimit rl = { FD_MAX_LIMIT, FD_MAX_LIMIT };
	rlim_t n;

	if (global.ulimit_n)
		n = global.ulimit_n;
	else {
		getrlimit(RLIMIT_NOFILE, &rl);
		n = rl.rlim_max > rl.rlim_cur ? rl.rlim_max : rl.rlim_cur;
	}
	if (n == RLIM_INFINITY || n > FD_MAX_LIMIT)
		n = FD_MAX_LIMIT;
	if (global.fd_hard_limit && n > global.fd_hard_limit)
		n = global.fd_hard_limit;
	return n;
}

int limits_compute(int nbthread, char *err, size_t errlen)
{
	int splice;
	unsigned long long fixed = fixed_fds(nbthread, &splice);
	unsigned long long maxconn = global.maxconn, pipes = global.tune_maxpipes, sock;

	if (!maxconn) {
		rlim_t budget = fd_budget();
		unsigned long long remain = budget > fixed ? budget - fixed : 0;

		if (pipes && pipes * 2 < remain)
			remain -= pipes * 2;
		/* automatic pipes cost half a descriptor per connection */
		maxconn = !pipes && splice ? remain * 2 / 5 : remain / 2;
		if (!maxconn) {
			snprintf(err, errlen, "the descriptor limit (%llu) leaves no room for a connection: the configuration alone needs %llu; raise 'ulimit -n' or set 'ulimit-n'.",
			         (unsigned long long)budget, fixed + 2);
			return -EINVAL;
		}
		if (maxconn > 10000000)
			maxconn = 10000000;
		global.maxconn = (unsigned int)maxconn;
	}
	if (!pipes && splice)
		pipes = maxconn / 4;
	sock = fixed + 2 * maxconn + 2 * pipes;
	global.maxpipes = (unsigned int)pipes;
	global.maxsock = sock > 0x7fffffffULL ? 0x7fffffffU : (unsigned int)sock;
	return 0;
}

int limits_apply(char *err, size_t errlen)
{
	unsigned int want = global.ulimit_n ? global.ulimit_n : global.maxsock;
	struct rlimit boot, rl;

	if (global.fd_hard_limit && want > global.fd_hard_limit)
		want = global.fd_hard_limit;
	if (getrlimit(RLIMIT_NOFILE, &boot) < 0)
		return -errno;
	rl.rlim_cur = want;
	rl.rlim_max = boot.rlim_max != RLIM_INFINITY && boot.rlim_max < want ? want : boot.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
		global.ulimit_n = want;
		return 0;
	}
	/* Not allowed to raise the hard limit: an unprivileged process. */
	if (global.strict_limits) {
		snprintf(err, errlen, "cannot raise the descriptor limit to %u for maxconn %u (maxsock %u): the hard limit is %llu; raise 'ulimit -n', lower 'maxconn', or set 'no strict-limits' to start anyway.",
		         want, global.maxconn, global.maxsock, (unsigned long long)boot.rlim_max);
		return -EPERM;
	}
	rl.rlim_cur = boot.rlim_max;
	rl.rlim_max = boot.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		rl.rlim_cur = boot.rlim_cur;
	global.ulimit_n = rl.rlim_cur > 0x7fffffff ? 0x7fffffffU : (unsigned int)rl.rlim_cur;
	log_warning("cannot raise the descriptor limit to %u for maxconn %u (maxsock %u): it stays at %u; connections beyond it are refused or wait.",
	            want, global.maxconn, global.maxsock, global.ulimit_n);
	return 0;
}
