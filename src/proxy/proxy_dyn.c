/*
 * Dynamic backends: `add backend <name> from <defaults> [mode <mode>]` on
 * a running process (HAProxy 3.x). The backend takes every setting of a
 * named defaults section, starts unpublished (content switching passes it
 * over until `publish backend`, unless a force-be-switch rule matches) and
 * with no server (`add server` gives it some).
 *
 * Threading: the backend is built and finalised by the calling thread
 * while no other thread can see it; it becomes visible (proxies_list, the
 * name index proxy_be_lookup() reads, its id) under thread isolation, so
 * no worker walks the list or searches the index while it changes.
 * Dynamic backends are not removed (no `del backend` yet).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/isolate.h>
#include <tollgate/proxy.h>
#include <tollgate/proxy_dyn.h>

/* Keeps the first error finalisation reports (proxy_report_fn). */
static void keep_first_error(void *arg, int is_err, const char *file, int line, const char *msg)
{
	char **err = arg;

	(void)file;
	(void)line;
	if (is_err && !*err)
		cfg_set_err(err, "Error during backend creation : %s", msg);
}

/* Returns the id HAProxy gives a dynamic proxy: one above the highest in
 * use. Under isolation.
 */
static int next_uuid(void)
{
	int max = 0;

	for (const struct proxy *p = proxies_list; p; p = p->next)
		if (p->uuid > max)
			max = p->uuid;
	return max + 1;
}

struct proxy *proxy_dyn_add(const char *name, const char *def_name, enum pr_mode mode, int mode_set, char **err)
{
	struct proxy *def, *px, *other;
	char bad;

	if (!*name) {
		cfg_set_err(err, "Require backend name.");
		return NULL;
	}
	bad = proxy_invalid_name_char(name);
	if (bad) {
		cfg_set_err(err, "Invalid character '%c' in backend name.", bad);
		return NULL;
	}
	def = cfg_defaults_find(def_name);
	if (!def) {
		cfg_set_err(err, "Cannot find default proxy '%s'.", def_name);
		return NULL;
	}
	if (!def->mode_explicit && !mode_set) {
		cfg_set_err(err, "Mode is required as '%s' default proxy does not explicitly defines it.", def_name);
		return NULL;
	}
	if (!list_empty(&def->def_rules)) {
		cfg_set_err(err, "Tollgate cannot yet create a backend from defaults section '%s', which holds TCP/HTTP rules.",
		            def_name);
		return NULL;
	}
	px = proxy_alloc(name, PR_CAP_BE, "(admin socket)", 0);
	if (!px || proxy_inherit(px, def) < 0) {
		cfg_set_err(err, "out of memory");
		goto out_free;
	}
	if (mode_set)
		px->mode = mode;
	atomic_store(&px->unpublished, 1);
	if (proxy_finalize_backend(px, keep_first_error, err))
		goto out_free;

	thread_isolate();
	if ((other = proxy_find(name, 0)) || (other = cfg_defaults_find(name))) {
		thread_release();
		cfg_set_err(err, "Error during backend creation : name is already used by other proxy '%s %s'.",
		            (other->cap & PR_CAP_DEF) ? "defaults" : proxy_kind(other), name);
		goto out_free;
	}
	px->uuid = next_uuid();
	proxy_link(px);
	proxy_be_index_rebuild();
	thread_release();
	return px;

out_free:
	if (px)
		proxy_free(px);
	return NULL;
}
