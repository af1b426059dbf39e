/*
 * Variable-size allocations served by pools of size classes (pool_var.h,
 * doc/internals/pool.md "Variable sizes").
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/pool.h>
#include <tollgate/pool_var.h>

#define PV_MIN_SHIFT  6                                /* smallest class: 64 B */
#define PV_CLASSES    9                                /* 64 B .. 16 KiB */
#define PV_MAX        ((size_t)1 << (PV_MIN_SHIFT + PV_CLASSES - 1))
#define PV_LARGE      0xffffffffU                      /* hdr.cls of a malloc()'ed block */

/* Before each object: which class served it (16 bytes keep the alignment). */
struct pv_hdr {
	uint32_t cls;     /* index in pv_pools[], or PV_LARGE */
	uint32_t pad;     /* unused */
	size_t size;      /* PV_LARGE: the bytes asked for (realloc copies them) */
};

static struct pool_head *pv_pools[PV_CLASSES];   /* set once by pv_create() */
static pthread_once_t pv_once = PTHREAD_ONCE_INIT;
static int pv_err;                                 /* pv_create()'s result */

static void pv_create(void)
{
	for (unsigned int i = 0; i < PV_CLASSES; i++) {
		char name[16];
		size_t sz = (size_t)1 << (PV_MIN_SHIFT + i);

		snprintf(name, sizeof(name), "var-%zu", sz);
		pv_pools[i] = pool_create(name, (unsigned int)(sz + sizeof(struct pv_hdr)), 0);
		if (!pv_pools[i]) {
			pv_err = -ENOMEM;
			return;
		}
	}
}

int pool_var_init(void)
{
	pthread_once(&pv_once, pv_create);
	return pv_err;
}

/* The class holding <size> bytes (<size> <= PV_MAX). */
static unsigned int pv_class(size_t size)
{
	if (size <= ((size_t)1 << PV_MIN_SHIFT))
		return 0;
	return (unsigned int)(64 - __builtin_clzll((unsigned long long)(size - 1))) - PV_MIN_SHIFT;
}

/* Bytes usable in the object of <h>. */
static size_t pv_usable(const struct pv_hdr *h)
{
	return h->cls == PV_LARGE ? h->size : (size_t)1 << (PV_MIN_SHIFT + h->cls);
}

void *pool_var_alloc(size_t size)
{
	struct pv_hdr *h;

	if (size > PV_MAX) {
		if (size > SIZE_MAX - sizeof(*h))
			return NULL;
		h = malloc(sizeof(*h) + size);
		if (!h)
			return NULL;
		h->cls = PV_LARGE;
		h->size = size;
		return h + 1;
	}
	h = pool_alloc(pv_pools[pv_class(size)]);
	if (!h)
		return NULL;
	h->cls = pv_class(size);
	return h + 1;
}

void *pool_var_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = pool_var_alloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void pool_var_free(void *ptr)
{
	struct pv_hdr *h;

	if (!ptr)
		return;
	h = (struct pv_hdr *)ptr - 1;
	if (h->cls == PV_LARGE)
		free(h);
	else
		pool_free(pv_pools[h->cls], h);
}

void *pool_var_realloc(void *ptr, size_t size)
{
	struct pv_hdr *h;
	size_t have;
	void *np;

	if (!ptr)
		return pool_var_alloc(size);
	h = (struct pv_hdr *)ptr - 1;
	have = pv_usable(h);
	if (h->cls != PV_LARGE && size <= have && (h->cls == 0 || size > have / 2))
		return ptr;   /* same class */
	np = pool_var_alloc(size);
	if (!np)
		return NULL;
	memcpy(np, ptr, have < size ? have : size);
	pool_var_free(ptr);
	return np;
}
