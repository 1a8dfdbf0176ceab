/* Shared helpers for the unit tests: a pool per test, fixture paths. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H
#include <check.h>
#include <apr_pools.h>
#include "jwt_err.h"

extern apr_pool_t *tp;          /* fresh pool per test (setup/teardown below) */
void tu_setup(void);
void tu_teardown(void);
/* Path under tests/ in the source tree: tu_path("fixtures/rsa2048.pem"). */
const char *tu_path(const char *rel);
/* Path of shared/testvectors (env JWT_TESTVECTORS, else ../shared/testvectors beside the
 * source tree); NULL when absent. */
const char *tu_testvectors_dir(void);
/* Read a whole file into pool memory (NUL-terminated); fails the test on error. */
char *tu_slurp(const char *path, size_t *len);
/* A per-test scratch folder: tu_scratch_setup makes the pool (tu_setup) and the folder
 * /tmp/<prefix>.XXXXXX and returns its path (static storage, valid until the next call);
 * tu_scratch_teardown removes the files in it, the folder, then the pool. */
const char *tu_scratch_setup(const char *prefix);
void tu_scratch_teardown(void);
/* Path of name in the scratch folder ("secrets.jwks" -> <dir>/secrets.jwks), pool memory. */
const char *tu_scratch_path(const char *name);
/* Writes text (its strlen bytes) as the whole file at path; fails the test on error. */
void tu_write_text(const char *path, const char *text);

#define ck_assert_code(expr, want) do { \
        jwt_code_t got_ = (expr); \
        ck_assert_msg(got_ == (want), "%s: got %s, want %s", #expr, \
                      jwt_code_name(got_), jwt_code_name(want)); \
    } while (0)
#endif
