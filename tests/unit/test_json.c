/* PLACEHOLDER: replaced by the suite for json. */
#include "test_suites.h"
Suite *suite_json(void) { return suite_create("json"); }
