/*
 * json_query(<json_path>[,<output_type>]) (HAProxy's 7.3.1): the value a
 * JSON path designates in the input. Strings decoded, numbers as "%g"
 * strings or, with output type "int", integers within +/-(2^53-1);
 * true/false as booleans; arrays as their JSON text; null, objects, a
 * missing value or a malformed document give no sample. Parsing is in
 * net/json.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/json.h>
#include <tollgate/sample.h>

int json_query_type_check(struct sample_arg *type, char **err)
{
	if (type->type == SMP_ARGT_STR && type->data.str.len) {
		if (strcmp(type->data.str.ptr, "int") != 0)
			return err_set(err, "output_type only supports \"int\" as argument");
		free(type->data.str.ptr);
		type->type = SMP_ARGT_SINT;
		type->data.sint = 0;
	}
	return 0;
}

static int conv_json_query_check(struct sample_arg *args, char **err)
{
	if (!args[0].data.str.len)
		return err_set(err, "json_path must not be empty");
	return json_query_type_check(&args[1], err);
}

int json_query_sample(const struct sample_arg *args, struct sample *smp)
{
	const char *in = smp->data.u.str.ptr, *tok = NULL;
	size_t len = smp->data.u.str.len, toklen = 0;
	char *out;
	long n;
	int64_t v;

	switch (json_find(in, len, args[0].data.str.ptr, &tok, &toklen)) {
	case JSON_NUMBER:
		if (args[1].type == SMP_ARGT_SINT) {
			if (!json_int(tok, (size_t)(in + len - tok), &v))
				return 0;
			sample_set_sint(smp, v);
			return 1;
		}
		out = sample_scratch();
		n = snprintf(out, SAMPLE_SCRATCH_SIZE, "%g", json_number(tok, toklen));
		sample_set_str(smp, out, (size_t)n);
		return 1;
	case JSON_TRUE:
	case JSON_FALSE:
		sample_set_bool(smp, *tok == 't');
		return 1;
	case JSON_STRING:
		out = sample_scratch();
		n = json_unquote(tok, toklen, out, SAMPLE_SCRATCH_SIZE);
		if (n < 0)
			return 0;
		sample_set_str(smp, out, (size_t)n);
		return 1;
	case JSON_ARRAY:
		sample_set_str(smp, tok, toklen);
		return 1;
	default:
		return 0;   /* null, an object, nothing there, or malformed */
	}
}

static int conv_json_query(const struct sample_arg *args, struct sample *smp, void *private)
{
	return json_query_sample(args, smp);
}

static struct sample_conv_kw_list conv_json_kws = { .kw = {
	{ "json_query", conv_json_query, SMP_ARG2(1, STR, STR), conv_json_query_check, SMP_T_STR, SMP_T_STR, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void conv_json_register(void)
{
	sample_register_convs(&conv_json_kws);
}
