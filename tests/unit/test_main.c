/* Runs every core suite. Check prints "N%: Checks: N, Failures: N, Errors: N";
 * tests/run-unit.sh turns that into the project's "N passed, N failed" line. */
#include <stdlib.h>
#include <apr_general.h>
#include "test_suites.h"

int main(void)
{
    apr_initialize();
    SRunner *sr = srunner_create(suite_b64());
    srunner_add_suite(sr, suite_json());
    srunner_add_suite(sr, suite_alg());
    srunner_add_suite(sr, suite_key());
    srunner_add_suite(sr, suite_keyset());
    srunner_add_suite(sr, suite_jws());
    srunner_add_suite(sr, suite_claims());
    srunner_add_suite(sr, suite_secrets());
    srunner_add_suite(sr, suite_secrets_jwks());
    srunner_add_suite(sr, suite_rfc_vectors());
    srunner_add_suite(sr, suite_wycheproof());
    srunner_add_suite(sr, suite_rules());
    srunner_add_suite(sr, suite_jwe());
    srunner_add_suite(sr, suite_jwe_hostile());
    srunner_add_suite(sr, suite_wycheproof_jwe());
    srunner_add_suite(sr, suite_cnf());
    srunner_add_suite(sr, suite_dpop());
    srunner_add_suite(sr, suite_expiry());
    srunner_add_suite(sr, suite_wipe());
    srunner_add_suite(sr, suite_secrets_enc());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
