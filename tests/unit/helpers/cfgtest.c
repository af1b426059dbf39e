/*
 * Configuration parsing helpers for the unit tests. See cfgtest.h.
 */
#include <stdio.h>

#include <tollgate/cfg.h>

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
