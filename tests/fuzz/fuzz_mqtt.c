/*
 * libFuzzer target for the MQTT packet checks (net/mqtt.c). Invariants:
 * no crash or overread; a string found lies inside the input; a field is
 * found only in a valid packet; the answer on a prefix is final: a prefix
 * found valid or invalid gives the same answer on the whole input (bytes
 * that follow a packet never change it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/mqtt.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *v;
	unsigned char *copy;
	size_t vlen;
	uint32_t num;
	int r;

	if (size > 4096)
		return 0;
	copy = malloc(size ? size : 1);   /* exact size: ASan catches an overread */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	r = mqtt_validate(copy, size);
	for (int type = MQTT_CPT_CONNECT; type <= MQTT_CPT_CONNACK; type++)
		for (int fn = 0; fn <= MQTT_FN_KEEPALIVE; fn++) {
			int f = mqtt_field(copy, size, type, fn, &v, &vlen, &num);

			if (f == 1 && r != 1)
				abort();
			if (f == 1 && v && (v < copy || v + vlen > copy + size))
				abort();
		}
	for (size_t cut = 0; cut < size; cut += 1 + cut / 64) {
		int rc = mqtt_validate(copy, cut);

		if (rc != 0 && rc != r)
			abort();
	}
	mqtt_type_id((const char *)copy, size);
	mqtt_field_id(MQTT_CPT_CONNECT, (const char *)copy, size);
	free(copy);
	return 0;
}
