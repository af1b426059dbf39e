/*
 * Samples: fetches, converters, casts and expressions.
 *
 * Principle. A sample expression "fetch[(args)][,conv[(args)]]..." is
 * parsed once, at configuration time, into a struct sample_expr whose
 * arguments are typed and checked then (a wrong argument is a
 * configuration error, never a runtime surprise). It is then evaluated on
 * the data path by any number of threads at once: an expression is
 * read-only after parsing and evaluation allocates nothing.
 *
 * Keywords are registered by the module that owns the data (net/ registers
 * src and dst, http/ registers hdr()...), from a constructor, before any
 * worker thread starts; the registries are then read-only. rules/ only
 * registers the constant fetches always_true and always_false, and the
 * generic converters (converters.c).
 *
 * Scratch area. A converter or a cast that builds a new string writes it
 * into the calling thread's scratch area: two buffers of
 * SAMPLE_SCRATCH_SIZE bytes used alternately, so that a converter reads
 * its input from one while it writes into the other. A string sample
 * produced there is valid until the next-but-one scratch use on the same
 * thread; in practice: until the next sample_eval(), acl or cond
 * evaluation on that thread. Copy it to keep it longer. Output that does
 * not fit makes the converter fail (no sample), it is never truncated.
 *
 * Casts follow HAProxy's matrix: bool<->int; int->ipv4 (host order value),
 * int->ipv6 (::ffff:a.b.c.d), int->str (decimal), int->bin (8 bytes,
 * big-endian); ipv4->int, ipv4->ipv6 (::ffff:), ipv4->str, ipv4->bin (4
 * bytes); ipv6->ipv4 (v4-mapped, v4-compatible or 6to4 only), ipv6->str,
 * ipv6->bin (16 bytes); str->int/bool (leading sign and digits, "" fails,
 * trailing junk ignored), str->ipv4 (four dotted decimals), str->ipv6,
 * str->addr (v4 then v6), str->bin (same bytes); bin->str (cut at the first
 * NUL byte). Any other pair is refused at parse time.
 *
 * Return conventions: parsers return 0 or -errno and set *<err> (when <err>
 * is not NULL) to a malloc'ed one-line message the caller frees, naming the
 * keyword, the faulty word and what was expected; evaluation functions are
 * predicates returning 1 (a sample was produced) or 0 (none).
 */
#ifndef TOLLGATE_SAMPLE_H
#define TOLLGATE_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/compiler.h>
#include <tollgate/sample-t.h>

#define SAMPLE_SCRATCH_SIZE 16384   /* bytes in each of the two per-thread scratch buffers */

/* Registers the fetches of <kwl> (static, never freed). Call only before
 * worker threads start (constructors, start-up). Returns 0, or -EEXIST if
 * one of its names is already registered (nothing is registered then).
 */
int sample_register_fetches(struct sample_fetch_kw_list *kwl);

/* Same as sample_register_fetches() for converters. */
int sample_register_convs(struct sample_conv_kw_list *kwl);

/* Returns the fetch named by the <len> bytes at <name>, or NULL. */
const struct sample_fetch_kw *sample_find_fetch(const char *name, size_t len);

/* Returns the converter named by the <len> bytes at <name>, or NULL. */
const struct sample_conv_kw *sample_find_conv(const char *name, size_t len);

/* Returns the printable name of sample type <type> ("integer", "string"...). */
const char *sample_type_name(int type);

/* Returns 1 if a sample of type <from> can be cast to type <to> (pseudo
 * types included: ANY accepts everything, ADDR means ipv4 or ipv6), else 0.
 */
int sample_can_cast(int from, int to);

/* Casts <smp> to <type> in place (<type> may be ANY or ADDR, which keep a
 * compatible sample as it is). Returns 1 on success, 0 if the value cannot
 * be represented (e.g. an IPv6 that is not v4-mapped cast to ipv4, or a
 * string that is no address). May use the scratch area.
 */
int sample_cast(struct sample *smp, int type);

/* Parses <text>, "fetch[(args)][,conv[(args)]]...", into *<out>, checking
 * every argument's type and the type chain, and that the fetch is valid at
 * every place in <where> (SMP_USE_* bits; 0 skips the check, for named
 * ACLs whose place is known only when a rule uses them).
 * Unknown keywords get the nearest registered name suggested. Returns 0,
 * or -EINVAL/-ENOMEM with *<err> set. *<out> is only set on success.
 */
int sample_parse_expr(const char *text, unsigned int where,
		      struct sample_expr **out, char **err);

/* Frees <expr> (NULL is fine). */
void sample_free_expr(struct sample_expr *expr);

/* Evaluates <expr> with context <ctx> into <smp>. Returns 1 if a sample was
 * produced (its type is concrete, never ANY/ADDR), 0 if the fetch found
 * nothing or a converter or cast failed. Never allocates; thread-safe.
 * When the returned (or failed) sample has SMP_F_NOT_LAST, more values
 * exist: sample_eval_next() gets the next one.
 */
int sample_eval(const struct sample_expr *expr, const struct sample_ctx *ctx,
		struct sample *smp);

/* Fetches the next value of a multi-valued fetch after sample_eval() or a
 * previous sample_eval_next() left SMP_F_NOT_LAST in <smp>'s flags, and
 * applies the converters. Same return as sample_eval().
 */
int sample_eval_next(const struct sample_expr *expr, const struct sample_ctx *ctx,
		     struct sample *smp);

/* Applies the converters of <expr> (its fetch is ignored) to <smp>, a
 * sample the caller built (a log backend's message for `balance
 * log-hash`). Returns 1, or 0 when a converter or cast fails.
 */
int sample_apply_convs(const struct sample_expr *expr, struct sample *smp);

/* Returns the other scratch buffer of the calling thread (SAMPLE_SCRATCH_SIZE
 * bytes), the one not returned by the previous call. See the lifetime rule
 * at the top of this file.
 */
char *sample_scratch(void);

/* Parses the IPv4 mask <text> ("255.255.0.0" or "16") into <mask>. Returns
 * 0, or -EINVAL.
 */
int sample_parse_mask4(const char *text, struct in_addr *mask);

/* Parses the IPv6 mask <text> ("ffff:ffff::" or "32") into <mask>. Returns
 * 0, or -EINVAL.
 */
int sample_parse_mask6(const char *text, struct in6_addr *mask);

/* Converts the IPv6 address <v6> into <v4> if it is v4-mapped (::ffff:x),
 * v4-compatible (::x) or 6to4 (2002:xxxx:xxxx::). Returns 1, or 0 if not.
 */
int sample_v6tov4(struct in_addr *v4, const struct in6_addr *v6);

/* Writes into <v6> the v4-mapped form ::ffff:<v4>. */
void sample_v4tov6(struct in6_addr *v6, const struct in_addr *v4);

/* Returns the distance (insertions, deletions, substitutions) between the
 * strings <a> and <b>, each taken up to 63 bytes. Used to suggest a name.
 */
unsigned int sample_name_distance(const char *a, const char *b);

/* Variables for converter arguments, supplied by the layer that owns
 * them (proxy/vars.c) so that rules/ needs not know them. <parse> turns a
 * written name into an object (returns 0, or <0 with *<err> set, or 1 if
 * the word is not a variable name at all); <get> reads its value in an
 * evaluation context (1, or 0 if unset); <free> releases the object.
 */
struct sample_var_ops {
	int (*parse)(const char *text, size_t len, void **obj, char **err);
	int (*get)(const void *obj, const struct sample_ctx *ctx, struct sample_data *out);
	void (*free)(void *obj);
};

/* Registers <ops> (once, from a constructor). */
void sample_set_var_ops(const struct sample_var_ops *ops);

/* Turns the string argument <arg> into a variable reference (a check
 * callback's helper, for arguments that name a variable). Returns 0, 1 if
 * it is not a variable name (left as it is), or <0 with *<err> set.
 */
int sample_arg_to_var(struct sample_arg *arg, char **err);

/* Turns the time unit argument <unit> ("s", "ms" or "us", or absent) of
 * date, http_date, accept_date... into SINT 0 (s), 1 (ms) or 2 (us). 0, or
 * -1 with *<err> set for another word.
 */
int sample_time_unit_check(struct sample_arg *unit, char **err);

/* The value of the variable argument <arg> read in <smp>'s context, cast
 * to <type>, into *<out> (strings in the scratch area or the variable's
 * store). Returns 1, or 0 if unset or not castable.
 */
int sample_arg_var(const struct sample_arg *arg, const struct sample *smp, int type, struct sample *out);

/* The integer value of the converter argument <arg> (an integer, or a
 * variable read in <smp>'s context and cast). Returns 1 with *<out> set,
 * or 0 if the variable is unset or not an integer.
 */
int sample_arg_sint(const struct sample_arg *arg, const struct sample *smp, int64_t *out);

/* Returns the value of the hex digit <c>, or -1 if it is not one. */
static inline int sample_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Sets <smp> to the integer <v>. */
static inline void sample_set_sint(struct sample *smp, int64_t v)
{
	smp->data.type = SMP_T_SINT;
	smp->data.u.sint = v;
}

/* Sets <smp> to the boolean <v>. */
static inline void sample_set_bool(struct sample *smp, int v)
{
	smp->data.type = SMP_T_BOOL;
	smp->data.u.sint = !!v;
}

/* Sets <smp> to the string of <len> bytes at <ptr> (not copied). */
static inline void sample_set_str(struct sample *smp, const char *ptr, size_t len)
{
	smp->data.type = SMP_T_STR;
	smp->data.u.str.ptr = ptr;
	smp->data.u.str.len = len;
}

/* Sets <smp> to the binary block of <len> bytes at <ptr> (not copied). */
static inline void sample_set_bin(struct sample *smp, const void *ptr, size_t len)
{
	smp->data.type = SMP_T_BIN;
	smp->data.u.str.ptr = ptr;
	smp->data.u.str.len = len;
}

/* For a converter of protocol messages (fix_*, mqtt_*) whose input is
 * incomplete: no sample, and SMP_F_MAY_CHANGE unless the evaluation is
 * final (SMP_OPT_FINAL: no more data will come), so that content
 * inspection waits for more. Returns 0.
 */
static inline int sample_conv_wait(struct sample *smp)
{
	if (!smp->ctx || !(smp->ctx->opt & SMP_OPT_FINAL))
		smp->flags |= SMP_F_MAY_CHANGE;
	return 0;
}

#endif /* TOLLGATE_SAMPLE_H */
