/*
 * `healthcheck <name>` sections (HAProxy 3.x): a check configuration
 * declared once and chosen by servers with `healthcheck <name>`, instead
 * of their backend's own check options and rules.
 *
 * Each section is a proxy structure (cap PR_CAP_HC | PR_CAP_DEF) that only
 * holds check settings: the check kind (`type`), `http-check` and
 * `tcp-check` rules, filled by the same parsers as a backend's. It is not
 * in proxies_list: it has no listener, server or traffic. Sections are
 * created while parsing (main thread) and read-only afterwards; they live
 * until exit.
 */
#ifndef TOLLGATE_HEALTHCHECK_H
#define TOLLGATE_HEALTHCHECK_H

struct proxy;

/* Every healthcheck section, linked by proxy.next, newest first. */
extern struct proxy *healthchecks_list;

/* Creates the section <name> declared at <file>:<line> (<file> kept by the
 * caller). Returns it, or NULL when out of memory.
 */
struct proxy *healthcheck_new(const char *name, const char *file, int line);

/* Returns the section named <name>, or NULL. */
struct proxy *healthcheck_find(const char *name);

/* Frees every section (configuration reset, no check running). */
void healthcheck_free_all(void);

#endif /* TOLLGATE_HEALTHCHECK_H */
