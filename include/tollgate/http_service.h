/*
 * Services: answers the proxy itself produces for HTTP requests
 * (`http-request use-service <name>`), such as the Prometheus exporter.
 *
 * A module of an upper layer (admin/) registers its service by name from a
 * constructor; the HTTP engine finds it when the configuration names it and
 * calls render() on the stream's thread when a request is handed to it. The
 * engine owns the body it gets and streams it to the client, whatever its
 * size, then frees it.
 */
#ifndef TOLLGATE_HTTP_SERVICE_H
#define TOLLGATE_HTTP_SERVICE_H

#include <stddef.h>

#include <tollgate/list.h>

/* What a service is asked. */
struct http_service_args {
	const char *query;         /* use-service: the query string, without the
	                            * '?'; stats page: the URI after the stats
	                            * prefix (";csv"...). Not NUL-terminated. */
	size_t qlen;               /* its length, may be 0 */
	const char *uri_prefix;    /* stats page: its `stats uri`, for links; else NULL */
	unsigned int refresh;      /* stats page: `stats refresh` in seconds, 0: none */
	int hide_version;          /* stats page: `stats hide-version` */
};

struct http_service {
	const char *name;          /* as in "http-request use-service <name>" */
	int internal;              /* not for use-service (the stats page) */
	/* Writes the whole response body for <a> into a malloc'ed buffer;
	 * returns 0 with *body (freed by the caller with free()), *len and
	 * *ctype (a static string) set, or -ENOMEM. Runs on the stream's
	 * thread: must not block.
	 */
	int (*render)(const struct http_service_args *a, char **body, size_t *len, const char **ctype);
	struct list list;          /* registry link */
};

/* Registers <svc> (from a constructor: before the configuration is read). */
void http_service_register(struct http_service *svc);

/* Returns the service named <name> (internal ones included), or NULL. */
const struct http_service *http_service_find(const char *name);

/* Writes the names use-service accepts, separated by ", ", into <buf>. */
void http_service_names(char *buf, size_t len);

#endif /* TOLLGATE_HTTP_SERVICE_H */
