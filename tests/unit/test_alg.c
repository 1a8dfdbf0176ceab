/* PLACEHOLDER: replaced by the suite for alg. */
#include "test_suites.h"
Suite *suite_alg(void) { return suite_create("alg"); }
