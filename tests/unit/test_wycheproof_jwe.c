#include "test_suites.h"
Suite *suite_wycheproof_jwe(void) { return suite_create("wycheproof_jwe"); }
