/* cgi_rules.c -- evaluate Require jwt-claim / jwt-claim-array / jwt-scope lines on the
 * inspect page with the module's own rule code (core/jwt_rules.c): the same word splitting,
 * regexes, scope forms and claim texts as httpd, so the page and the module cannot
 * disagree about a rule. */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "jwt_rules.h"
#include "cgi_rules.h"

rule_result_t rule_evaluate(apr_pool_t *p, const char *line, json_object *payload,
                            const char **why)
{
    const char *rest = line, *msg;
    char *word = jwt_rules_word(p, &rest);
    jwt_rule_kind_t kind;
    jwt_rule_set_t *set = NULL;

    if (strcasecmp(word, "Require") == 0)
        word = jwt_rules_word(p, &rest);
    if (*word == '\0') {
        *why = "empty rule";
        return RULE_INVALID;
    }
    if (!jwt_rule_kind(word, &kind)) {
        *why = "not understood: expected jwt-claim, jwt-claim-array or jwt-scope";
        return RULE_INVALID;
    }
    if ((msg = jwt_rules_compile(p, kind, rest, &set)) != NULL) {
        *why = msg;
        return RULE_INVALID;
    }
    return jwt_rules_match(p, set, payload, why) ? RULE_GRANTED : RULE_DENIED;
}
