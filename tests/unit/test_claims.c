/* PLACEHOLDER: replaced by the suite for claims. */
#include "test_suites.h"
Suite *suite_claims(void) { return suite_create("claims"); }
