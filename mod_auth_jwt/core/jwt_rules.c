/* jwt_rules.c -- Require jwt-claim / jwt-claim-array / jwt-scope, compiled once and matched
 * against a token's claims; shared by the module (authz.c) and the admin CGI (cgi_rules.c).
 * See jwt_rules.h for the semantics. */
#include "jwt_rules.h"
#include "jwt_claims.h"
#include "jwt_json.h"

#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

typedef struct {
    const char *name;          /* claim name or dotted path */
    const char *value;         /* NAME=VALUE: exact text; jwt-scope: the scope; NULL: regex */
    regex_t *re;               /* NAME~REGEX */
    const char *source;        /* the argument as written */
} rule_t;

struct jwt_rule_set {
    jwt_rule_kind_t kind;
    apr_array_header_t *rules; /* rule_t */
    const char *scopes_text;   /* jwt-scope: the scopes joined by spaces */
};

static const char *const provider_names[] = { "jwt-claim", "jwt-claim-array", "jwt-scope" };

int jwt_rule_kind(const char *provider, jwt_rule_kind_t *out)
{
    int i;
    for (i = 0; i < 3; i++) {
        if (!strcmp(provider, provider_names[i])) {
            *out = (jwt_rule_kind_t)i;
            return 1;
        }
    }
    return 0;
}

const char *jwt_rule_provider(jwt_rule_kind_t kind)
{
    return provider_names[kind];
}

jwt_rule_kind_t jwt_rules_kind(const jwt_rule_set_t *set)
{
    return set->kind;
}

const char *jwt_rules_scopes(const jwt_rule_set_t *set)
{
    return set->scopes_text;
}

/* ---------------------------------------------------------------- words */

/* Copy len bytes, dropping a backslash before the quote character or a backslash (what
 * httpd's substring_conf does). */
static char *unescape_word(apr_pool_t *p, const char *s, size_t len, char quote)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len + (quote ? 1 : 0)
            && (s[i + 1] == '\\' || (quote && s[i + 1] == quote)))
            *o++ = s[++i];
        else
            *o++ = s[i];
    }
    *o = '\0';
    return out;
}

char *jwt_rules_word(apr_pool_t *p, const char **line)
{
    const char *s = *line, *end;
    char quote, *word;

    while (apr_isspace(*s))
        s++;
    if (!*s) {
        *line = s;
        return "";
    }
    quote = *s;
    if (quote == '"' || quote == '\'') {
        end = s + 1;
        while (*end && *end != quote) {
            if (*end == '\\' && end[1] && (end[1] == quote || end[1] == '\\'))
                end += 2;
            else
                end++;
        }
        word = unescape_word(p, s + 1, (size_t)(end - s - 1), quote);
        if (*end == quote)
            end++;
    }
    else {
        end = s;
        while (*end && !apr_isspace(*end))
            end++;
        word = unescape_word(p, s, (size_t)(end - s), 0);
    }
    while (apr_isspace(*end))
        end++;
    *line = end;
    return word;
}

/* ---------------------------------------------------------------- regexes */

#define RE_MAX_LEN 1024       /* bytes of one regular expression */
#define RE_MAX_DEPTH 32       /* nested groups */
#define RE_MAX_BOUND 255      /* n of {n} / {m,n} */
#define RE_MAX_COST 10000     /* atoms once bounded repetitions are expanded */

typedef struct {
    unsigned long sum[RE_MAX_DEPTH + 1];   /* atoms of each open group so far */
    unsigned long last;                    /* atoms of the item a quantifier would repeat */
    int depth, after_quantifier;
} re_cost_t;

static int re_atom(re_cost_t *k, unsigned long n)
{
    k->last = n;
    k->sum[k->depth] += n;
    k->after_quantifier = 0;
    return k->sum[k->depth] <= RE_MAX_COST;
}

/* Past a bracket expression starting at c ('['); *why set for a backslash inside it. */
static const char *skip_bracket(const char *c, const char **why)
{
    c++;
    if (*c == '^')
        c++;
    if (*c == ']')
        c++;                           /* a leading ']' is a member */
    while (*c && *c != ']') {
        if (c[0] == '[' && (c[1] == ':' || c[1] == '.' || c[1] == '=')) {
            const char close[3] = { c[1], ']', '\0' };
            const char *e = strstr(c + 2, close);
            if (!e)
                return c + strlen(c);  /* regcomp says what is wrong */
            c = e + 2;
            continue;
        }
        if (*c == '\\') {
            *why = "a backslash inside [...] is a literal character in POSIX regular "
                   "expressions";
            return c;
        }
        c++;
    }
    return *c ? c + 1 : c;
}

/* NULL when re means in POSIX ERE what a reader used to Perl-style expressions expects and
 * stays small; else why not. Refused: a backslash before a letter or digit other than the
 * GNU classes \w \W \s \S \b \B (Perl's \d would silently be a 'd'; back-references
 * make matching exponential), a backslash inside [...] (a literal backslash in POSIX), a
 * quantifier right after another one (glibc expands a+++ without end), bounds over 255,
 * more than RE_MAX_COST atoms once bounded repetitions are expanded, more than 1024 bytes:
 * the claim text a regex runs on comes from tokens, and compiling happens at startup or on
 * the admin page, so neither may be made to take unbounded time or memory. */
static const char *regex_problem(apr_pool_t *p, const char *re)
{
    re_cost_t k;
    const char *c = re, *why = NULL;

    if (strlen(re) > RE_MAX_LEN)
        return "longer than 1024 bytes";
    memset(&k, 0, sizeof(k));
    while (*c) {
        int ok = 1;
        if (*c == '\\') {
            if (!c[1])
                return "it ends with a backslash";
            if (apr_isalnum(c[1]) && !strchr("wWsSbB", c[1]))
                return apr_psprintf(p, "\\%c is not POSIX extended syntax (write a bracket "
                                    "expression such as [0-9] instead; back-references are "
                                    "not supported)", c[1]);
            ok = re_atom(&k, 1);
            c += 2;
        }
        else if (*c == '[') {
            c = skip_bracket(c, &why);
            if (why)
                return why;
            ok = re_atom(&k, 1);
        }
        else if (*c == '(') {
            if (++k.depth > RE_MAX_DEPTH)
                return "groups nested more than 32 deep";
            k.sum[k.depth] = 0;
            k.last = 0;
            k.after_quantifier = 0;
            c++;
        }
        else if (*c == ')' && k.depth > 0) {
            unsigned long inner = k.sum[k.depth--];
            ok = re_atom(&k, inner ? inner : 1);
            c++;
        }
        else if (*c == '|') {
            k.last = 0;
            k.after_quantifier = 0;
            c++;
        }
        else if (*c == '*' || *c == '+' || *c == '?' || (*c == '{' && apr_isdigit(c[1]))) {
            unsigned long bound = 1;
            if (k.after_quantifier)
                return "a quantifier right after another one (a++, a*?, a{2}{3}) is not "
                       "POSIX extended syntax";
            if (*c == '{') {
                char *end = NULL;
                unsigned long m = strtoul(c + 1, &end, 10), n = m;
                if (*end == ',')
                    n = apr_isdigit(end[1]) ? strtoul(end + 1, &end, 10) : (end++, m + 1);
                if (m > RE_MAX_BOUND || n > RE_MAX_BOUND)
                    return "a repetition bound over 255";
                bound = n > m ? n : m;
                c = *end == '}' ? end + 1 : end;
            }
            else
                c++;
            if (k.last && bound > 1)
                k.sum[k.depth] += k.last * (bound - 1);
            ok = k.sum[k.depth] <= RE_MAX_COST;
            k.after_quantifier = 1;
        }
        else {
            ok = re_atom(&k, 1);
            c++;
        }
        if (!ok)
            return "too large once its bounded repetitions are expanded";
    }
    return NULL;
}

static apr_status_t regex_cleanup(void *re)
{
    regfree(re);
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- compile */

static const char *compile_claim_arg(apr_pool_t *p, const char *provider, const char *arg,
                                     rule_t *out)
{
    size_t cut = strcspn(arg, "=~");
    const char *why;
    int rc;

    if (arg[cut] == '\0' || cut == 0)
        return apr_psprintf(p, "Require %s: '%s' is not NAME=VALUE or NAME~REGEX",
                            provider, arg);
    out->name = apr_pstrndup(p, arg, cut);
    out->source = arg;
    if (arg[cut] == '=') {
        out->value = arg + cut + 1;
        return NULL;
    }
    out->value = NULL;
    if ((why = regex_problem(p, arg + cut + 1)))
        return apr_psprintf(p, "Require %s: regular expression '%s' for claim %s: %s",
                            provider, arg + cut + 1, out->name, why);
    out->re = apr_pcalloc(p, sizeof(regex_t));
    if ((rc = regcomp(out->re, arg + cut + 1, REG_EXTENDED | REG_NOSUB)) != 0) {
        char msg[128];
        regerror(rc, out->re, msg, sizeof(msg));
        return apr_psprintf(p, "Require %s: bad regular expression '%s' for claim %s (%s)",
                            provider, arg + cut + 1, out->name, msg);
    }
    apr_pool_cleanup_register(p, out->re, regex_cleanup, apr_pool_cleanup_null);
    return NULL;
}

const char *jwt_rules_compile(apr_pool_t *p, jwt_rule_kind_t kind, const char *args,
                              jwt_rule_set_t **out)
{
    jwt_rule_set_t *set = apr_pcalloc(p, sizeof(*set));
    const char *line = args ? args : "", *provider = provider_names[kind], *msg;
    char *word;

    set->kind = kind;
    set->rules = apr_array_make(p, 2, sizeof(rule_t));
    set->scopes_text = "";
    while (*(word = jwt_rules_word(p, &line))) {
        rule_t *rule = apr_array_push(set->rules);
        memset(rule, 0, sizeof(*rule));
        if (kind != JWT_RULE_SCOPE) {
            if ((msg = compile_claim_arg(p, provider, word, rule)))
                return msg;
            continue;
        }
        if (strpbrk(word, " \t\"\\"))
            return apr_psprintf(p, "Require jwt-scope: '%s' is not a scope token", word);
        rule->value = rule->source = word;
        set->scopes_text = *set->scopes_text
            ? apr_pstrcat(p, set->scopes_text, " ", word, NULL) : word;
    }
    if (set->rules->nelts == 0)
        return kind == JWT_RULE_SCOPE
            ? "Require jwt-scope needs at least one SCOPE argument"
            : apr_psprintf(p, "Require %s needs at least one NAME=VALUE or NAME~REGEX "
                           "argument", provider);
    *out = set;
    return NULL;
}

/* ---------------------------------------------------------------- match */

/* A scalar claim's text: strings as they are (none holding a NUL byte), booleans as
 * true/false, integers in decimal, other numbers as their JSON text. NULL otherwise. */
static const char *scalar_text(apr_pool_t *p, json_object *v)
{
    int64_t n;

    switch (json_object_get_type(v)) {
    case json_type_string:
        if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
            return NULL;
        return json_object_get_string(v);
    case json_type_boolean:
        return json_object_get_boolean(v) ? "true" : "false";
    case json_type_int:
        /* INT64_MAX may stand for a larger unsigned value: json-c prints that one */
        n = json_object_get_int64(v);
        if (n != INT64_MAX)
            return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)n);
        return jwt_json_to_string(p, v);
    case json_type_double:
        return jwt_json_to_string(p, v);
    default:
        return NULL;
    }
}

static int scalar_matches(apr_pool_t *p, json_object *v, const rule_t *rule)
{
    const char *text = v ? scalar_text(p, v) : NULL;
    if (!text)
        return 0;
    if (rule->re)
        return regexec(rule->re, text, 0, NULL, 0) == 0;
    return strcmp(text, rule->value) == 0;
}

static int array_contains(apr_pool_t *p, json_object *arr, const rule_t *rule)
{
    size_t i, n = json_object_array_length(arr);
    for (i = 0; i < n; i++) {
        if (scalar_matches(p, json_object_array_get_idx(arr, i), rule))
            return 1;
    }
    return 0;
}

static int claim_matches(apr_pool_t *p, json_object *claims, const rule_t *rule, int array_only)
{
    json_object *v = jwt_claim_path(claims, rule->name);
    if (!v)
        return 0;
    if (json_object_is_type(v, json_type_array))
        return array_contains(p, v, rule);
    return !array_only && scalar_matches(p, v, rule);
}

/* A scope claim: a space-separated string or an array of strings. */
static int scope_claim_has(json_object *v, const char *scope)
{
    size_t wl = strlen(scope), i, n;

    if (!v)
        return 0;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        while (*s) {
            size_t l;
            while (*s == ' ')
                s++;
            l = strcspn(s, " ");
            if (l == wl && l > 0 && !memcmp(s, scope, l))
                return 1;
            s += l;
        }
        return 0;
    }
    if (!json_object_is_type(v, json_type_array))
        return 0;
    n = json_object_array_length(v);
    for (i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (json_object_is_type(e, json_type_string)
            && (size_t)json_object_get_string_len(e) == wl
            && !memcmp(json_object_get_string(e), scope, wl))
            return 1;
    }
    return 0;
}

int jwt_rules_match(apr_pool_t *p, const jwt_rule_set_t *set, json_object *claims,
                    const char **why)
{
    json_object *scope = NULL, *scp = NULL;
    int i;

    if (set->kind == JWT_RULE_SCOPE) {
        scope = jwt_claim_path(claims, "scope");
        scp = jwt_claim_path(claims, "scp");
    }
    for (i = 0; i < set->rules->nelts; i++) {
        const rule_t *rule = &APR_ARRAY_IDX(set->rules, i, rule_t);
        int hit = set->kind == JWT_RULE_SCOPE
            ? scope_claim_has(scope, rule->value) || scope_claim_has(scp, rule->value)
            : claim_matches(p, claims, rule, set->kind == JWT_RULE_CLAIM_ARRAY);
        if (hit) {
            if (why)
                *why = set->kind == JWT_RULE_SCOPE
                    ? apr_psprintf(p, "scope %s present", rule->source)
                    : apr_psprintf(p, "%s matches", rule->source);
            return 1;
        }
    }
    if (why)
        *why = set->kind == JWT_RULE_SCOPE
            ? apr_psprintf(p, "none of the scopes [%s] is present", set->scopes_text)
            : "no argument matches the token's claims";
    return 0;
}
