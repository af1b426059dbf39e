/*
 * Configuration parsing helpers for the unit tests. See cfgtest.h.
 */
#include <stdio.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/proxy.h>

#include "cfgtest.h"

char cfgtest_msgs[CFGTEST_MAX_MSGS][1024];
int cfgtest_nmsgs;

static void capture(enum cfg_level lvl, const char *msg, void *arg)
{
	if (cfgtest_nmsgs < CFGTEST_MAX_MSGS)
		snprintf(cfgtest_msgs[cfgtest_nmsgs], sizeof(cfgtest_msgs[0]), "%s", msg);
	cfgtest_nmsgs++;
}

int cfgtest_parse(const char *text)
{
	cfgtest_nmsgs = 0;
	cfg_set_sink(capture, NULL);
	return cfg_parse_text("t.cfg", text);
}

static void report(void *arg, int is_err, const char *file, int line, const char *msg)
{
	if (is_err)
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
	*(int *)arg += is_err;
}

int cfgtest_load(const char *text)
{
	int errs = 0;

	if (cfgtest_parse(text) != 0) {
		for (int i = 0; i < cfgtest_nmsgs && i < CFGTEST_MAX_MSGS; i++)
			fprintf(stderr, "config: %s\n", cfgtest_msgs[i]);
		return -1;
	}
	if (proxy_finalize_all(report, &errs) > 0 || errs)
		return -1;
	return 0;
}

void cfgtest_unload(void)
{
	proxy_free_all();
	cfg_proxy_reset();
	cfg_set_sink(NULL, NULL);
}
