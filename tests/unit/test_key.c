/* PLACEHOLDER: replaced by the suite for key. */
#include "test_suites.h"
Suite *suite_key(void) { return suite_create("key"); }
