/*
 * libFuzzer target for the language converter (src/rules/conv_lang.c,
 * included here for its static functions). Input: a language list up to
 * the first newline, then an Accept-Language value. Invariants: no crash
 * or overread; the result is one of the listed languages or the default.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/rules/conv_lang.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the converter's registration, not needed here */
int sample_register_convs(struct sample_conv_kw_list *kwl)
{
	(void)kwl;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 64 ? size : 64);
	size_t llen = nl ? (size_t)(nl - data) : 2, vlen;
	struct sample_arg args[3];
	struct sample smp;
	char *list, *val;

	if (size > 4096)
		return 0;
	list = malloc(llen + 1);
	vlen = nl ? size - llen - 1 : size;
	val = malloc(vlen ? vlen : 1);   /* exact size: ASan catches an overread */
	if (!list || !val) {
		free(list);
		free(val);
		return 0;
	}
	memcpy(list, nl ? (const char *)data : "en", llen);
	list[llen] = 0;
	memcpy(val, nl ? nl + 1 : data, vlen);
	memset(args, 0, sizeof(args));
	memset(&smp, 0, sizeof(smp));
	args[0].type = SMP_ARGT_STR;
	args[0].data.str.ptr = list;
	args[0].data.str.len = strlen(list);
	args[1].type = SMP_ARGT_STR;
	args[1].data.str.ptr = "dflt";
	args[1].data.str.len = 4;
	sample_set_str(&smp, val, vlen);
	if (conv_language(args, &smp, NULL)) {
		const char *r = smp.data.u.str.ptr;

		if (r != args[1].data.str.ptr && (r < list || r + smp.data.u.str.len > list + llen))
			abort();
	}
	free(list);
	free(val);
	return 0;
}
