/*
 * `healthcheck` sections: the registry. See healthcheck.h.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/check.h>
#include <tollgate/healthcheck.h>
#include <tollgate/proxy.h>
#include <tollgate/tcpcheck.h>

struct proxy *healthchecks_list;

struct proxy *healthcheck_new(const char *name, const char *file, int line)
{
	/* PR_CAP_DEF: proxy_new() leaves it out of proxies_list */
	struct proxy *px = proxy_new(name, PR_CAP_DEF | PR_CAP_HC, file, line);

	if (!px)
		return NULL;
	px->next = healthchecks_list;
	healthchecks_list = px;
	return px;
}

struct proxy *healthcheck_find(const char *name)
{
	for (struct proxy *px = healthchecks_list; px; px = px->next)
		if (!strcmp(px->id, name))
			return px;
	return NULL;
}

void healthcheck_free_all(void)
{
	struct proxy *px, *next;

	for (px = healthchecks_list; px; px = next) {
		next = px->next;
		httpchk_free(&px->httpchk);
		tcpcheck_rules_free(&px->tcpcheck_rules);
		tcpcheck_rules_free(&px->proto_rules);
		free(px->chkproto.arg);
		free(px->id);
		free(px);
	}
	healthchecks_list = NULL;
}
