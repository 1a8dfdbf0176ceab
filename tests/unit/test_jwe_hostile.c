#include "test_suites.h"
Suite *suite_jwe_hostile(void) { return suite_create("jwe_hostile"); }
