/*
 * FIX converters (HAProxy's): fix_is_valid and fix_tag_value(<tag>), on
 * payloads such as req.payload(0,0) in tcp-request content rules. Without
 * the whole message yet (and more data may come) they give no sample and
 * say SMP_F_MAY_CHANGE, so that inspection waits. Parsing is in
 * net/fix.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/fix.h>
#include <tollgate/sample.h>

static int conv_fix_is_valid(const struct sample_arg *args, struct sample *smp, void *private)
{
	int r = fix_validate(smp->data.u.str.ptr, smp->data.u.str.len);

	if (r == 0)
		return sample_conv_wait(smp);
	sample_set_bool(smp, r > 0);
	return 1;
}

/* fix_tag_value(<tag>): the tag is a number or a known name; replaced by
 * its number.
 */
static int conv_fix_tag_check(struct sample_arg *args, char **err)
{
	unsigned int tag = fix_tag_id(args[0].data.str.ptr, args[0].data.str.len);

	if (!tag)
		return err_set(err, "unknown FIX tag name '%s' (a number, or MsgType, CheckSum, BodyLength, TargetCompID, BeginString, SenderCompID)",
			       args[0].data.str.ptr);
	free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_SINT;
	args[0].data.sint = tag;
	return 0;
}

static int conv_fix_tag_value(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *v;
	size_t vlen;
	int r = fix_tag_value(smp->data.u.str.ptr, smp->data.u.str.len, (unsigned int)args[0].data.sint, &v, &vlen);

	if (r == 0)
		return sample_conv_wait(smp);
	if (r < 0)
		return 0;
	sample_set_bin(smp, v, vlen);
	return 1;
}

static struct sample_conv_kw_list conv_fix_kws = { .kw = {
	{ "fix_is_valid",  conv_fix_is_valid,  SMP_ARG0,         NULL,               SMP_T_BIN, SMP_T_BOOL, NULL },
	{ "fix_tag_value", conv_fix_tag_value, SMP_ARG1(1, STR), conv_fix_tag_check, SMP_T_BIN, SMP_T_BIN,  NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void conv_fix_register(void)
{
	sample_register_convs(&conv_fix_kws);
}
