/*
 * FIX (Financial Information eXchange) messages: tag=value fields ended
 * by SOH (0x01), BeginString (8) first, BodyLength (9) second, MsgType
 * (35) third, CheckSum (10) last. For the fix_is_valid and fix_tag_value
 * converters, with HAProxy's rules. Pure functions over (buffer, length):
 * no allocation, never read past <len>, any thread.
 */
#ifndef TOLLGATE_FIX_H
#define TOLLGATE_FIX_H

#include <stddef.h>

#define FIX_TAG_BEGINSTRING  8
#define FIX_TAG_BODYLENGTH   9
#define FIX_TAG_CHECKSUM     10
#define FIX_TAG_MSGTYPE      35
#define FIX_TAG_SENDERCOMPID 49
#define FIX_TAG_TARGETCOMPID 56

/* Checks the message at <p>: 1 valid (known version, tags in the
 * version's range or user-defined 10000-19999, body length and checksum
 * right), 0 incomplete so far, -1 invalid.
 */
int fix_validate(const char *p, size_t len);

/* Finds the first field <tag> of the message at <p>: 1 with *<v>/<vlen>
 * set, 0 if more data may bring it, -1 if absent (CheckSum reached) or the
 * message is malformed before it.
 */
int fix_tag_value(const char *p, size_t len, unsigned int tag, const char **v, size_t *vlen);

/* The number of the tag written <name>: digits, or one of MsgType,
 * CheckSum, BodyLength, TargetCompID, BeginString, SenderCompID (any
 * case). 0 if unknown.
 */
unsigned int fix_tag_id(const char *name, size_t len);

#endif /* TOLLGATE_FIX_H */
