/* cgi_rules.c -- evaluate Require jwt-claim / jwt-claim-array / jwt-scope lines. */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "jwt_claims.h"
#include "cgi_rules.h"

/* A scalar claim as the text a rule compares with: strings as they are, numbers and
 * booleans as their JSON text; objects, arrays and null never match. */
static const char *scalar_text(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_string:
    case json_type_int:
    case json_type_double:
    case json_type_boolean:
        return json_object_get_string(v);
    default:
        return NULL;
    }
}

static int scalar_equals(json_object *v, const char *want)
{
    const char *s = scalar_text(v);
    return s != NULL && strcmp(s, want) == 0;
}

static int array_contains(json_object *arr, const char *want)
{
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++)
        if (scalar_equals(json_object_array_get_idx(arr, i), want))
            return 1;
    return 0;
}

static int claim_matches(json_object *claim, const char *want, int array_only)
{
    if (claim == NULL)
        return 0;
    if (json_object_is_type(claim, json_type_array))
        return array_contains(claim, want);
    return !array_only && scalar_equals(claim, want);
}

static int scope_has(json_object *payload, const char *want)
{
    json_object *scope = NULL, *scp = NULL;
    if (json_object_object_get_ex(payload, "scope", &scope) &&
        json_object_is_type(scope, json_type_string)) {
        const char *s = json_object_get_string(scope);
        size_t wl = strlen(want);
        for (const char *w = s; *w;) {
            while (*w == ' ') w++;
            size_t l = strcspn(w, " ");
            if (l == wl && l > 0 && strncmp(w, want, l) == 0)
                return 1;
            w += l;
        }
    }
    if (json_object_object_get_ex(payload, "scp", &scp) && json_object_is_type(scp, json_type_array))
        return array_contains(scp, want);
    return 0;
}

rule_result_t rule_evaluate(apr_pool_t *p, const char *line, json_object *payload,
                            const char **why)
{
    char *copy = apr_pstrdup(p, line), *state = NULL;
    char *word = apr_strtok(copy, " \t\r", &state);
    if (word && strcasecmp(word, "Require") == 0)
        word = apr_strtok(NULL, " \t\r", &state);
    if (word == NULL) {
        *why = "empty rule";
        return RULE_INVALID;
    }
    int kind;   /* 0 jwt-claim, 1 jwt-claim-array, 2 jwt-scope */
    if (strcmp(word, "jwt-claim") == 0) kind = 0;
    else if (strcmp(word, "jwt-claim-array") == 0) kind = 1;
    else if (strcmp(word, "jwt-scope") == 0) kind = 2;
    else {
        *why = "not understood: expected jwt-claim, jwt-claim-array or jwt-scope";
        return RULE_INVALID;
    }
    int args = 0;
    for (char *arg = apr_strtok(NULL, " \t\r", &state); arg; arg = apr_strtok(NULL, " \t\r", &state)) {
        args++;
        if (kind == 2) {
            if (scope_has(payload, arg)) {
                *why = apr_psprintf(p, "scope %s present", arg);
                return RULE_GRANTED;
            }
            continue;
        }
        char *eq = strchr(arg, '=');
        if (eq == NULL || eq == arg) {
            *why = apr_psprintf(p, "argument %s is not NAME=VALUE%s", arg,
                                strchr(arg, '~') ? " (regular expressions are not evaluated here)"
                                                 : "");
            return RULE_INVALID;
        }
        *eq = '\0';
        if (claim_matches(jwt_claim_path(payload, arg), eq + 1, kind == 1)) {
            *why = apr_psprintf(p, "%s matches %s", arg, eq + 1);
            return RULE_GRANTED;
        }
    }
    if (args == 0) {
        *why = "no arguments";
        return RULE_INVALID;
    }
    *why = kind == 2 ? "none of the scopes is present" : "no pair matches the token's claims";
    return RULE_DENIED;
}
