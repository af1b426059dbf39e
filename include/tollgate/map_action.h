/*
 * The actions that change pattern references from the traffic, as
 * HAProxy's: "set-map(<file>) <key fmt> <value fmt>", "del-map(<file>)
 * <key fmt>", "add-acl(<file>) <key fmt>", "del-acl(<file>) <key fmt>"
 * (http-request, http-response; set-map and del-map in
 * http-after-response too).
 *
 * <file> names a map or ACL pattern file as the converters and "-f" name
 * it (maps.h); it is looked up when the action runs, so that a rule may
 * come before the converter that loads the file, and an action naming a
 * file nothing loaded does nothing (HAProxy's behaviour). set-map and
 * del-map change the map reference of that name (else the ACL one),
 * add-acl and del-acl the ACL one (else the map one). set-map sets the
 * value of the entries of that key, or adds one; add-acl adds the key
 * unless present; del-* delete every entry of the key. A key or value the
 * users of the file cannot take (not an address for an ip ACL, not an
 * integer for map_str_int) changes nothing. Each change is one entry,
 * made in place under thread isolation (maps.h): a lookup on another
 * thread sees it whole or not at all, at O(1) cost for a str index.
 */
#ifndef TOLLGATE_MAP_ACTION_H
#define TOLLGATE_MAP_ACTION_H

struct logformat;
struct stream;

enum map_act_type {
	MAP_ACT_NONE = 0,
	MAP_ACT_SET_MAP,             /* set-map(<file>) <key> <value> */
	MAP_ACT_DEL_MAP,             /* del-map(<file>) <key> */
	MAP_ACT_ADD_ACL,             /* add-acl(<file>) <key> */
	MAP_ACT_DEL_ACL,             /* del-acl(<file>) <key> */
};

struct map_action {
	enum map_act_type type;
	char *file;                  /* file name as written between the parentheses */
	struct logformat *key;       /* the key */
	struct logformat *value;     /* set-map: the value */
};

/* Returns the action type of the action word <word> ("set-map(f)"...),
 * MAP_ACT_NONE if it is none of them.
 */
enum map_act_type map_action_type(const char *word);

/* Parses the action at args[*<pos>] (the action word) and its formats,
 * whose fetches are those of <where> (SMP_USE_*), into <ma>, advancing
 * *<pos>. Returns 0, or -1 with *<err> set (HAProxy's wording).
 */
int map_action_parse(struct map_action *ma, unsigned int where, int argc, char **args, int *pos,
		     char **err);

/* Runs <ma> for <s>. */
void map_action_exec(const struct map_action *ma, struct stream *s);

/* Frees what <ma> owns. */
void map_action_free(struct map_action *ma);

#endif /* TOLLGATE_MAP_ACTION_H */
