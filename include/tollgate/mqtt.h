/*
 * MQTT (3.1, 3.1.1 and 5.0) packets, for HAProxy's mqtt_is_valid and
 * mqtt_field_value converters over payloads such as req.payload(0,0).
 * Only the first packet of each direction is judged: CONNECT (client) and
 * CONNACK (server); any other packet type is invalid, as in HAProxy.
 *
 * Pure functions over (buffer, length) of untrusted bytes: no allocation,
 * nothing read past <len>, any thread. A value found points into the
 * input; numbers are given as integers for the caller to print.
 */
#ifndef TOLLGATE_MQTT_H
#define TOLLGATE_MQTT_H

#include <stddef.h>
#include <stdint.h>

/* Control packet types (the high nibble of the first byte). */
#define MQTT_CPT_CONNECT   1
#define MQTT_CPT_CONNACK   2
#define MQTT_CPT_MAX       15          /* AUTH */

/* Named fields of mqtt_field_value(); properties are their MQTT 5.0 id
 * (1 to 42).
 */
enum mqtt_fn {
	MQTT_FN_FLAGS = 64,
	MQTT_FN_REASON_CODE,
	MQTT_FN_PROTOCOL_NAME,
	MQTT_FN_PROTOCOL_VERSION,
	MQTT_FN_CLIENT_IDENTIFIER,
	MQTT_FN_WILL_TOPIC,
	MQTT_FN_WILL_PAYLOAD,
	MQTT_FN_USERNAME,
	MQTT_FN_PASSWORD,
	MQTT_FN_KEEPALIVE,
};

/* Checks the packet at the start of <p> (<len> bytes; bytes after the
 * packet are ignored): 1 a valid CONNECT or CONNACK, 0 incomplete so far,
 * -1 invalid.
 */
int mqtt_validate(const unsigned char *p, size_t len);

/* Finds field <fn> (enum mqtt_fn or a property id) of the packet at <p>
 * when it is a valid packet of type <type>. Returns 1 with either a string
 * in *<v>/<vlen> (inside <p>) or, when *<v> is NULL, an integer in *<num>;
 * 0 if the packet is incomplete so far; -1 if it is invalid, of another
 * type, or lacks the field (an empty string counts as absent, as HAProxy).
 */
int mqtt_field(const unsigned char *p, size_t len, int type, int fn, const unsigned char **v, size_t *vlen,
               uint32_t *num);

/* The packet type written <name> (<len> bytes): a number from 1 to 15 or
 * a name (CONNECT, CONNACK, PUBLISH... any case). 0 if unknown.
 */
int mqtt_type_id(const char *name, size_t len);

/* The field written <name> for packet type <type>: a field name (any
 * case) or a property id in decimal, among those HAProxy lists for that
 * type. 0 if unknown there.
 */
int mqtt_field_id(int type, const char *name, size_t len);

#endif /* TOLLGATE_MQTT_H */
