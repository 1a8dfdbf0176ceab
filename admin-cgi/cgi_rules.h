/* cgi_rules.h -- try Require lines against a token's claims on the inspect page, with the
 * module's semantics: jwt-claim NAME=VALUE ... (any pair; dotted paths; an array claim
 * matches when any element does), jwt-claim-array NAME=VALUE ... (NAME must be an array
 * containing VALUE), jwt-scope SCOPE ... (space-separated "scope" or the "scp" array). */
#ifndef CGI_RULES_H
#define CGI_RULES_H

#include <json-c/json.h>
#include <apr_pools.h>

typedef enum { RULE_GRANTED, RULE_DENIED, RULE_INVALID } rule_result_t;

/* Evaluate one line ("Require " prefix optional). *why explains the result. */
rule_result_t rule_evaluate(apr_pool_t *p, const char *line, json_object *payload,
                            const char **why);

#endif
