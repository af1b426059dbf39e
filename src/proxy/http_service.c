/*
 * The registry of HTTP services. See http_service.h.
 */
#include <stdio.h>
#include <string.h>

#include <tollgate/http_service.h>

/* Filled by constructors before main(), read-only afterwards. */
static struct list services = LIST_HEAD_INIT(services);

void http_service_register(struct http_service *svc)
{
	list_append(&services, &svc->list);
}

const struct http_service *http_service_find(const char *name)
{
	struct http_service *svc;

	list_for_each(svc, &services, list)
		if (!strcmp(svc->name, name))
			return svc;
	return NULL;
}

void http_service_names(char *buf, size_t len)
{
	struct http_service *svc;
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	list_for_each(svc, &services, list) {
		int w;

		if (svc->internal)
			continue;
		w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", svc->name);

		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
}
