/*
 * MQTT converters (HAProxy's): mqtt_is_valid and
 * mqtt_field_value(<packettype>,<fieldname or property id>), on payloads
 * such as req.payload(0,0) / res.payload(0,0) in tcp-request and
 * tcp-response content rules. Without the whole packet yet (and more data
 * may come) they give no sample and say SMP_F_MAY_CHANGE, so that
 * inspection waits. Parsing is in net/mqtt.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/mqtt.h>
#include <tollgate/sample.h>

static int conv_mqtt_is_valid(const struct sample_arg *args, struct sample *smp, void *private)
{
	int r = mqtt_validate((const unsigned char *)smp->data.u.str.ptr, smp->data.u.str.len);

	if (r == 0)
		return sample_conv_wait(smp);
	sample_set_bool(smp, r > 0);
	return 1;
}

/* mqtt_field_value(<type>,<field>): both are checked against HAProxy's
 * lists and replaced by their numbers.
 */
static int conv_mqtt_field_check(struct sample_arg *args, char **err)
{
	int type = mqtt_type_id(args[0].data.str.ptr, args[0].data.str.len);
	int fn;

	if (!type)
		return err_set(err, "Unknown MQTT type '%s'", args[0].data.str.ptr);
	fn = mqtt_field_id(type, args[1].data.str.ptr, args[1].data.str.len);
	if (!fn)
		return err_set(err, "Unknown MQTT field name '%s' for packet type '%s'", args[1].data.str.ptr,
			       args[0].data.str.ptr);
	for (int i = 0; i < 2; i++) {
		free(args[i].data.str.ptr);
		args[i].type = SMP_ARGT_SINT;
	}
	args[0].data.sint = type;
	args[1].data.sint = fn;
	return 0;
}

/* A string field points into the input; a number is printed in decimal. */
static int conv_mqtt_field_value(const struct sample_arg *args, struct sample *smp, void *private)
{
	const unsigned char *v;
	size_t vlen = 0;
	uint32_t num = 0;
	int r = mqtt_field((const unsigned char *)smp->data.u.str.ptr, smp->data.u.str.len, (int)args[0].data.sint,
			   (int)args[1].data.sint, &v, &vlen, &num);
	char *out;
	int n;

	if (r == 0)
		return sample_conv_wait(smp);
	if (r < 0)
		return 0;
	if (v) {
		sample_set_str(smp, (const char *)v, vlen);
		return 1;
	}
	out = sample_scratch();
	n = snprintf(out, SAMPLE_SCRATCH_SIZE, "%u", (unsigned int)num);
	sample_set_str(smp, out, (size_t)n);
	return 1;
}

static struct sample_conv_kw_list conv_mqtt_kws = { .kw = {
	{ "mqtt_is_valid",    conv_mqtt_is_valid,    SMP_ARG0,              NULL,                  SMP_T_BIN, SMP_T_BOOL, NULL },
	{ "mqtt_field_value", conv_mqtt_field_value, SMP_ARG2(2, STR, STR), conv_mqtt_field_check, SMP_T_BIN, SMP_T_STR,  NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void conv_mqtt_register(void)
{
	sample_register_convs(&conv_mqtt_kws);
}
