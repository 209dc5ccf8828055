#include "lib/uts.h"

char uts_hostname[UTS_LEN] = "(none)";
char uts_domainname[UTS_LEN] = "(none)";
