/* PLACEHOLDER: replaced by the suite for wycheproof. */
#include "test_suites.h"
Suite *suite_wycheproof(void) { return suite_create("wycheproof"); }
