/*
 * `show schema json`: the JSON schema of `show info json` and
 * `show stat json` (HAProxy's management.txt, 9.3), the same text as
 * HAProxy's, byte for byte, so that tools validating the JSON forms
 * against the schema an HAProxy answers keep working. Tollgate's JSON
 * forms follow it (tests/integration/test_admin_schema.py validates them).
 */
#include <tollgate/cli.h>

#include "stat_rows.h"

const char stat_json_schema[] =
	"{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"oneOf\":[{\"title\":\"Info\","
	"\"type\":\"array\",\"items\":{\"title\":\"InfoItem\",\"type\":\"object\",\"properties\":{\"field\":{\"$ref\":\"#/definitions/field\"},"
	"\"processNum\":{\"$ref\":\"#/definitions/processNum\"},\"tags\":{\"$ref\":\"#/definitions/tags\"},"
	"\"value\":{\"$ref\":\"#/definitions/typedValue\"}},\"required\":[\"field\","
	"\"processNum\",\"tags\",\"value\"]}},{\"title\":\"Stat\",\"type\":\"array\","
	"\"items\":{\"title\":\"InfoItem\",\"type\":\"object\",\"properties\":{\"objType\":{\"enum\":[\"Frontend\","
	"\"Backend\",\"Listener\",\"Server\",\"Unknown\"]},\"proxyId\":{\"type\":\"integer\","
	"\"minimum\":0},\"id\":{\"type\":\"integer\",\"minimum\":0},\"field\":{\"$ref\":\"#/definitions/field\"},"
	"\"processNum\":{\"$ref\":\"#/definitions/processNum\"},\"tags\":{\"$ref\":\"#/definitions/tags\"},"
	"\"typedValue\":{\"$ref\":\"#/definitions/typedValue\"}},\"required\":[\"objType\","
	"\"proxyId\",\"id\",\"field\",\"processNum\",\"tags\",\"value\"]}},{\"title\":\"Error\","
	"\"type\":\"object\",\"properties\":{\"errorStr\":{\"type\":\"string\"}},\"required\":[\"errorStr\"]}],"
	"\"definitions\":{\"field\":{\"type\":\"object\",\"pos\":{\"type\":\"integer\","
	"\"minimum\":0},\"name\":{\"type\":\"string\"},\"required\":[\"pos\",\"name\"]},"
	"\"processNum\":{\"type\":\"integer\",\"minimum\":1},\"tags\":{\"type\":\"object\","
	"\"origin\":{\"type\":\"string\",\"enum\":[\"Metric\",\"Status\",\"Key\",\"Config\","
	"\"Product\",\"Unknown\"]},\"nature\":{\"type\":\"string\",\"enum\":[\"Gauge\","
	"\"Limit\",\"Min\",\"Max\",\"Rate\",\"Counter\",\"Duration\",\"Age\",\"Time\","
	"\"Name\",\"Output\",\"Avg\", \"Unknown\"]},\"scope\":{\"type\":\"string\",\"enum\":[\"Cluster\","
	"\"Process\",\"Service\",\"System\",\"Unknown\"]},\"required\":[\"origin\","
	"\"nature\",\"scope\"]},\"typedValue\":{\"type\":\"object\",\"oneOf\":[{\"$ref\":\"#/definitions/typedValue/definitions/s32Value\"},"
	"{\"$ref\":\"#/definitions/typedValue/definitions/s64Value\"},{\"$ref\":\"#/definitions/typedValue/definitions/u32Value\"},"
	"{\"$ref\":\"#/definitions/typedValue/definitions/u64Value\"},{\"$ref\":\"#/definitions/typedValue/definitions/strValue\"}],"
	"\"definitions\":{\"s32Value\":{\"properties\":{\"type\":{\"type\":\"string\","
	"\"enum\":[\"s32\"]},\"value\":{\"type\":\"integer\",\"minimum\":-2147483648,"
	"\"maximum\":2147483647}},\"required\":[\"type\",\"value\"]},\"s64Value\":{\"properties\":{\"type\":{\"type\":\"string\","
	"\"enum\":[\"s64\"]},\"value\":{\"type\":\"integer\",\"minimum\":-9007199254740991,"
	"\"maximum\":9007199254740991}},\"required\":[\"type\",\"value\"]},\"u32Value\":{\"properties\":{\"type\":{\"type\":\"string\","
	"\"enum\":[\"u32\"]},\"value\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":4294967295}},"
	"\"required\":[\"type\",\"value\"]},\"u64Value\":{\"properties\":{\"type\":{\"type\":\"string\","
	"\"enum\":[\"u64\"]},\"value\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":9007199254740991}},"
	"\"required\":[\"type\",\"value\"]},\"strValue\":{\"properties\":{\"type\":{\"type\":\"string\","
	"\"enum\":[\"str\"]},\"value\":{\"type\":\"string\"}},\"required\":[\"type\","
	"\"value\"]},\"unknownValue\":{\"properties\":{\"type\":{\"type\":\"integer\","
	"\"minimum\":0},\"value\":{\"type\":\"string\",\"enum\":[\"unknown\"]}},\"required\":[\"type\","
	"\"value\"]}}}}}"
	"\n";

const size_t stat_json_schema_len = sizeof(stat_json_schema) - 1;

static int parse_show_schema(struct cli_session *s, int argc, char **args)
{
	/* a dump, not a message: no severity prefix */
	cli_write(s, stat_json_schema, stat_json_schema_len);
	return CLI_DONE;
}

static struct cli_kw schema_kws[] = {
	{ { "show", "schema", "json", NULL }, "show schema json                        : report schema used for stats",
	  CLI_LVL_USER, parse_show_schema, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list schema_kw_list = { schema_kws, NULL };

__attribute__((constructor)) static void cli_schema_register(void)
{
	cli_register(&schema_kw_list);
}
