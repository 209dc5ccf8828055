/* The guest's system identity: uname fields. */
#ifndef LIB_UTS_H
#define LIB_UTS_H

#define UTS_SYSNAME "Linux"
#define UTS_RELEASE "6.12.0-umlinux"
#define UTS_VERSION "#1 umlinux"
#define UTS_MACHINE "x86_64"
#define UTS_LEN 65

extern char uts_hostname[UTS_LEN];
extern char uts_domainname[UTS_LEN];
#endif
