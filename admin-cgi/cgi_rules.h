/* cgi_rules.h -- try Require lines against a token's claims on the inspect page with the
 * module's own rule code (core/jwt_rules.h: NAME=VALUE, NAME~REGEX, scopes as a
 * space-separated string or an array in "scope" or "scp"). */
#ifndef CGI_RULES_H
#define CGI_RULES_H

#include <json-c/json.h>
#include <apr_pools.h>

typedef enum { RULE_GRANTED, RULE_DENIED, RULE_INVALID } rule_result_t;

/* Evaluate one line ("Require " prefix optional). *why explains the result. */
rule_result_t rule_evaluate(apr_pool_t *p, const char *line, json_object *payload,
                            const char **why);

#endif
