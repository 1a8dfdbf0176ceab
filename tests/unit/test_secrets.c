/* PLACEHOLDER: replaced by the suite for secrets. */
#include "test_suites.h"
Suite *suite_secrets(void) { return suite_create("secrets"); }
