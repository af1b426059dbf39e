/*
 * Name index: finds an object by its name in O(1), for the configuration's
 * lists that are searched once per line (servers of a backend, named ACLs
 * of a proxy): a list scan there makes parsing quadratic in the number of
 * servers or ACLs.
 *
 * An open-addressing hash table (linear probing, FNV-1a) of (name, object)
 * pairs. The name is not copied: it must live as long as its entry (it is
 * normally the object's own name). Built at configuration time; reads
 * afterwards take no lock: once workers run, additions and removals
 * (dynamic servers) are made under thread isolation. Costs: lookup O(1) on average, insert
 * O(1) amortised (the table doubles at 1/2 load).
 */
#ifndef TOLLGATE_NAMEIDX_H
#define TOLLGATE_NAMEIDX_H

struct name_idx_slot {
	const char *name;                /* key, NULL: free slot */
	void *obj;                       /* the object it names */
};

struct name_idx {
	struct name_idx_slot *slots;     /* <size> slots, NULL while empty */
	unsigned int size;               /* power of two, 0 while empty */
	unsigned int count;              /* entries */
};

/* A zeroed struct name_idx is an empty index. */
#define NAME_IDX_INIT { NULL, 0, 0 }

/* Adds <obj> under <name>, which must outlive the entry. A name already
 * present is shadowed by nothing: the first entry stays found. Returns 0 or
 * -ENOMEM.
 */
int name_idx_add(struct name_idx *idx, const char *name, void *obj);

/* Returns the object indexed under <name>, or NULL. */
void *name_idx_get(const struct name_idx *idx, const char *name);

/* Removes the entry of <name> (backward-shift deletion: no tombstone, so
 * lookups stay as short as before). Returns 1 if it was there, 0 if not.
 */
int name_idx_del(struct name_idx *idx, const char *name);

/* Frees the table (not the objects); <idx> is empty again. */
void name_idx_deinit(struct name_idx *idx);

#endif /* TOLLGATE_NAMEIDX_H */
