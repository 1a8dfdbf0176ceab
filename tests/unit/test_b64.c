/* PLACEHOLDER: replaced by the suite for b64. */
#include "test_suites.h"
Suite *suite_b64(void) { return suite_create("b64"); }
