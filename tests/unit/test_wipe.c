/* Unit tests: jwt_wipe.c, wiping secrets now and when their pool goes. */
#include <string.h>
#include <apr_strings.h>
#include "test_suites.h"
#include "test_util.h"
#include "jwt_wipe.h"

/* A probe registered before the wipe: pool cleanups run last-registered first, so it runs
 * after jwt_wipe_at_end's and sees the buffer (still the pool's memory) as the wipe left it. */
typedef struct {
    const unsigned char *buf;
    size_t len;
    int ran, all_zero;
} probe_t;

static apr_status_t probe_cleanup(void *data)
{
    probe_t *pr = data;
    unsigned char acc = 0;
    for (size_t i = 0; i < pr->len; i++)
        acc |= pr->buf[i];
    pr->ran = 1;
    pr->all_zero = acc == 0;
    return APR_SUCCESS;
}

START_TEST(test_wipe_now)
{
    unsigned char buf[33];
    memset(buf, 0xa5, sizeof(buf));
    jwt_wipe(buf, 32);
    for (size_t i = 0; i < 32; i++)
        ck_assert_uint_eq(buf[i], 0);
    ck_assert_uint_eq(buf[32], 0xa5);      /* len bytes, not one more */
    jwt_wipe(NULL, 10);                    /* nothing to do, no crash */
    jwt_wipe(buf + 32, 0);
    ck_assert_uint_eq(buf[32], 0xa5);
}
END_TEST

START_TEST(test_wipe_at_end_on_destroy_and_clear)
{
    for (int clear = 0; clear < 2; clear++) {
        apr_pool_t *p;
        ck_assert_int_eq(apr_pool_create(&p, tp), APR_SUCCESS);
        char *secret = apr_pstrdup(p, "correct horse battery staple");
        probe_t pr = { (const unsigned char *)secret, strlen(secret), 0, 0 };
        apr_pool_cleanup_register(p, &pr, probe_cleanup, apr_pool_cleanup_null);
        jwt_wipe_at_end(p, secret, strlen(secret));
        ck_assert_str_eq(secret, "correct horse battery staple");   /* not before */
        if (clear)
            apr_pool_clear(p);
        else
            apr_pool_destroy(p);
        ck_assert_int_eq(pr.ran, 1);
        ck_assert_int_eq(pr.all_zero, 1);
        if (clear)
            apr_pool_destroy(p);
    }
}
END_TEST

START_TEST(test_wipe_alloc)
{
    apr_pool_t *p;
    ck_assert_int_eq(apr_pool_create(&p, tp), APR_SUCCESS);
    unsigned char *k = jwt_wipe_alloc(p, 64);
    probe_t pr = { k, 64, 0, 0 };
    for (size_t i = 0; i < 64; i++)
        ck_assert_uint_eq(k[i], 0);          /* zeroed on arrival */
    memset(k, 0x5a, 64);
    /* the probe is registered after the allocation's wipe, so it runs first: still there */
    apr_pool_cleanup_register(p, &pr, probe_cleanup, apr_pool_cleanup_null);
    apr_pool_destroy(p);
    ck_assert_int_eq(pr.ran, 1);
    ck_assert_int_eq(pr.all_zero, 0);
    /* and the other order, as with jwt_wipe_at_end: wiped */
    ck_assert_int_eq(apr_pool_create(&p, tp), APR_SUCCESS);
    probe_t late = { NULL, 64, 0, 0 };
    apr_pool_cleanup_register(p, &late, probe_cleanup, apr_pool_cleanup_null);
    k = jwt_wipe_alloc(p, 64);
    late.buf = k;                            /* the probe reads it when it runs */
    memset(k, 0x5a, 64);
    apr_pool_destroy(p);
    ck_assert_int_eq(late.ran, 1);
    ck_assert_int_eq(late.all_zero, 1);
    /* a zero length is a valid, empty allocation */
    ck_assert_int_eq(apr_pool_create(&p, tp), APR_SUCCESS);
    ck_assert_ptr_nonnull(jwt_wipe_alloc(p, 0));
    apr_pool_destroy(p);
}
END_TEST

Suite *suite_wipe(void)
{
    Suite *s = suite_create("wipe");
    TCase *tc = tcase_create("wipe");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, test_wipe_now);
    tcase_add_test(tc, test_wipe_at_end_on_destroy_and_clear);
    tcase_add_test(tc, test_wipe_alloc);
    suite_add_tcase(s, tc);
    return s;
}
