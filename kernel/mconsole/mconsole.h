/* The management console: the instance's umid directory and the UML
 * mconsole datagram socket in it (uml-compat.md §3). */
#ifndef MCONSOLE_MCONSOLE_H
#define MCONSOLE_MCONSOLE_H
#include <stddef.h>

struct boot_config;

/*
 * Boot: claim the umid directory (reclaiming a stale one), write the pid
 * file, open the mconsole socket and tell the notify socket. Returns 0, or
 * -1 after printing why on stderr when the umid is in use by a live
 * kernel or is no directory name: the caller exits non-zero before booting. A directory that
 * cannot be made is only warned about.
 */
int mconsole_init(const struct boot_config *cfg);
/* Halt, reboot, signals: close the socket and remove the umid directory.
 * Also runs at exit() and on a crash (abort). */
void mconsole_shutdown(void);
/* Send a USER_NOTIFY message (what the guest writes to /proc/mconsole);
 * -ENOTCONN without a notify socket. */
int mconsole_notify_user(const void *buf, size_t len);
/* Is a notify socket configured (/proc/mconsole exists only then)? */
int mconsole_notify_enabled(void);
/* Dying of signal sig (a crash, or panic's abort): tell the notify
 * socket about a panic and remove the umid directory. Signal-safe enough
 * for a fatal handler; the caller then takes the default action. */
void mconsole_crash(int sig);
/* The instance's umid ("" before mconsole_init). */
const char *umid_name(void);
#endif
