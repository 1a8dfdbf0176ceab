/* jwt_rules.h -- the claim rules of `Require jwt-claim`, `jwt-claim-array` and `jwt-scope`:
 * one implementation that the module's authz providers and the admin page's inspector
 * both use, so the page cannot say "granted" where httpd says "denied" (issue 21).
 *
 *   jwt-claim NAME=VALUE | NAME~REGEX ...   any argument matching grants; NAME may be a
 *       dotted path; a scalar claim (string, number, boolean) is compared by its text, an
 *       array claim matches when any scalar element does; null and objects never match.
 *   jwt-claim-array NAME=VALUE | NAME~REGEX ...   NAME must be an array with such an element.
 *   jwt-scope SCOPE ...   any scope present in "scope" or "scp", each either a string of
 *       space-separated scopes (RFC 8693 / RFC 9068) or an array of strings.
 *
 * REGEX is a POSIX extended regular expression (regcomp REG_EXTENDED), searched for
 * anywhere in the text: unanchored, so role~admin matches "notadmin"; write role~^admin$ for
 * the whole value. Perl-only escapes (\d, \p{..}, ...), a backslash inside [...] (a
 * literal backslash in POSIX) and stacked quantifiers (a++) are refused when the rule is
 * compiled rather than silently meaning something else; so are back-references, bounds over
 * 255 and expressions too large once expanded (unbounded time or memory otherwise).
 *
 * Arguments are split like httpd's ap_getword_conf: blanks separate words, "..." or '...'
 * quote one, a backslash escapes the quote character or another backslash.
 *
 * No httpd headers: APR, json-c and the C library's <regex.h> only. */
#ifndef JWT_RULES_H
#define JWT_RULES_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>

typedef enum { JWT_RULE_CLAIM, JWT_RULE_CLAIM_ARRAY, JWT_RULE_SCOPE } jwt_rule_kind_t;

typedef struct jwt_rule_set jwt_rule_set_t;

/* "jwt-claim" -> JWT_RULE_CLAIM ...; returns 0 for a provider that is not one of these. */
int jwt_rule_kind(const char *provider, jwt_rule_kind_t *out);
const char *jwt_rule_provider(jwt_rule_kind_t kind);

/* The next word of *line (ap_getword_conf rules); "" at the end. */
char *jwt_rules_word(apr_pool_t *p, const char **line);

/* Compile the arguments of one Require line (the text after the provider name). Returns
 * NULL and *out, or an error message ("Require jwt-claim: ..."). Regexes live as long as p. */
const char *jwt_rules_compile(apr_pool_t *p, jwt_rule_kind_t kind, const char *args,
                              jwt_rule_set_t **out);

/* 1 when the claims satisfy the rule set (any argument), else 0. *why (may be NULL) names
 * the argument that matched, or says that none did. */
int jwt_rules_match(apr_pool_t *p, const jwt_rule_set_t *set, json_object *claims,
                    const char **why);

/* jwt-scope: the scopes joined by single spaces (for WWW-Authenticate scope="..."). */
const char *jwt_rules_scopes(const jwt_rule_set_t *set);
jwt_rule_kind_t jwt_rules_kind(const jwt_rule_set_t *set);

#endif
