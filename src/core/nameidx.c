/*
 * Name index. See nameidx.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/nameidx.h>

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Places <name>/<obj> in <slots> of <size> (a power of two, with room). */
static void put(struct name_idx_slot *slots, unsigned int size, const char *name, void *obj)
{
	unsigned int i = name_hash(name) & (size - 1);

	while (slots[i].name)
		i = (i + 1) & (size - 1);
	slots[i].name = name;
	slots[i].obj = obj;
}

int name_idx_add(struct name_idx *idx, const char *name, void *obj)
{
	if ((idx->count + 1) * 2 > idx->size) {
		unsigned int size = idx->size ? idx->size * 2 : 16;
		struct name_idx_slot *slots = calloc(size, sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		for (unsigned int i = 0; i < idx->size; i++)
			if (idx->slots[i].name)
				put(slots, size, idx->slots[i].name, idx->slots[i].obj);
		free(idx->slots);
		idx->slots = slots;
		idx->size = size;
	}
	if (name_idx_get(idx, name))
		return 0;
	put(idx->slots, idx->size, name, obj);
	idx->count++;
	return 0;
}

void *name_idx_get(const struct name_idx *idx, const char *name)
{
	unsigned int i;

	if (!idx->size)
		return NULL;
	for (i = name_hash(name) & (idx->size - 1); idx->slots[i].name; i = (i + 1) & (idx->size - 1))
		if (!strcmp(idx->slots[i].name, name))
			return idx->slots[i].obj;
	return NULL;
}

int name_idx_del(struct name_idx *idx, const char *name)
{
	unsigned int mask = idx->size - 1, i, j;

	if (!idx->size)
		return 0;
	for (i = name_hash(name) & mask; idx->slots[i].name; i = (i + 1) & mask)
		if (!strcmp(idx->slots[i].name, name))
			break;
	if (!idx->slots[i].name)
		return 0;
	/* backward shift: move up every later entry of the run whose home
	 * slot does not lie cyclically in (i, j], so that no probe sequence
	 * crosses a hole
	 */
	for (j = (i + 1) & mask; idx->slots[j].name; j = (j + 1) & mask) {
		unsigned int home = name_hash(idx->slots[j].name) & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			idx->slots[i] = idx->slots[j];
			i = j;
		}
	}
	idx->slots[i].name = NULL;
	idx->slots[i].obj = NULL;
	idx->count--;
	return 1;
}

void name_idx_deinit(struct name_idx *idx)
{
	free(idx->slots);
	idx->slots = NULL;
	idx->size = idx->count = 0;
}
