/*
 * Process-wide settings. See global.h.
 */
#include <string.h>

#include <tollgate/global.h>
#include <tollgate/http_codes.h>

struct global global;

void global_init_defaults(void)
{
	memset(&global, 0, sizeof(global));
	global.strict_limits = 1;
	global.tune_bufsize = GLOBAL_DEFAULT_BUFSIZE;
	global.stick_counters = GLOBAL_DEFAULT_STICKCTR;
	global.tune_maxhdr = 101;
	global.tune_maxrewrite = 1024;
	global.uid = global.gid = -1;
	global.stats_timeout = 10000;
	http_codes_init_defaults();
}
