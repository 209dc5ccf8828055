/* uml_mconsole: talk to a UML (or umlinux) kernel's management console.
 *
 *   uml_mconsole UMID-OR-SOCKET [COMMAND ARGS...]
 *
 * With a command: send it once, print "OK <text>" or "ERR <text>", exit 0
 * or 1. Without: read commands from stdin at a "(UMID) " prompt. Output and
 * name resolution follow Debian's client (uml-compat.md §3.10). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "mconsole_proto.h"

static int sock = -1;
static struct sockaddr_un target;
static char target_path[sizeof(target.sun_path)];

/* Bind our reply address: the abstract name "\0<pid>", as Debian's client
 * does, so the kernel can answer. */
static int open_client_socket(void)
{
	struct sockaddr_un me = { .sun_family = AF_UNIX };

	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		perror("uml_mconsole: socket");
		return -1;
	}
	snprintf(me.sun_path + 1, sizeof(me.sun_path) - 1, "%05d", (int)getpid());
	if (bind(sock, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("uml_mconsole: binding the reply socket");
		return -1;
	}
	return 0;
}

/* $HOME/.uml/NAME/mconsole, /tmp/uml/NAME/mconsole, then NAME itself;
 * each miss is warned about as Debian's client does. */
static int resolve(const char *name, char *out, size_t outlen)
{
	const char *home = getenv("HOME");
	char cand[3][PATH_MAX];
	struct stat st;

	snprintf(cand[0], sizeof(cand[0]), "%s/.uml/%s/mconsole", home ? home : "", name);
	snprintf(cand[1], sizeof(cand[1]), "/tmp/uml/%s/mconsole", name);
	snprintf(cand[2], sizeof(cand[2]), "%s", name);
	for (int i = 0; i < 3; i++) {
		if (stat(cand[i], &st) == 0) {
			if (strlen(cand[i]) >= outlen) {
				fprintf(stderr, "uml_mconsole: socket path '%s' is longer than %zu bytes\n",
					cand[i], outlen - 1);
				return -1;
			}
			strcpy(out, cand[i]);
			return 0;
		}
		fprintf(stderr, "Warning: couldn't stat file: %s - %s\n", cand[i], strerror(errno));
	}
	return -1;
}

static int set_target(const char *name)
{
	char path[sizeof(target.sun_path)];

	if (resolve(name, path, sizeof(path)) < 0)
		return -1;
	target.sun_family = AF_UNIX;
	strcpy(target.sun_path, path);
	strcpy(target_path, path);
	return 0;
}

/* Wait for one datagram; the kernel going away (its socket file removed)
 * ends the wait instead of hanging as Debian's client does. */
static ssize_t receive(void *buf, size_t len)
{
	for (;;) {
		struct pollfd pfd = { sock, POLLIN, 0 };
		struct stat st;
		int n = poll(&pfd, 1, 1000);

		if (n > 0)
			return recv(sock, buf, len, 0);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n == 0 && stat(target_path, &st) < 0) {
			errno = ECONNRESET;
			return -1;
		}
	}
}

/* Send one command and print the reply; returns 0 for OK, else the exit
 * status for the error. */
static int run_command(const char *cmd)
{
	struct mconsole_request req;
	struct mconsole_reply rep;
	char cwd[PATH_MAX], fixed[MCONSOLE_MAX_DATA + 1];
	char *text = NULL;
	size_t text_len = 0;
	int32_t err = 0;

	if (getcwd(cwd, sizeof(cwd)) &&
	    mconsole_absolutize_config(cmd, cwd, fixed, sizeof(fixed)) >= 0)
		cmd = fixed;
	if (mconsole_encode_request(&req, cmd) < 0) {
		fprintf(stderr, "uml_mconsole: command too long (%zu bytes, at most %d)\n",
			strlen(cmd), MCONSOLE_MAX_DATA - 1);
		return 1;
	}
	if (sendto(sock, &req, sizeof(req), 0, (struct sockaddr *)&target,
		   sizeof(target)) < 0) {
		fprintf(stderr, "Sending command to '%s' : %s\n", target.sun_path, strerror(errno));
		return 1;
	}
	for (;;) {
		char buf[sizeof(rep) + 1];
		const char *why;
		ssize_t n = receive(buf, sizeof(buf));
		char *grown;

		if (n < 0) {
			fprintf(stderr, "Receiving reply from '%s' : %s\n", target.sun_path,
				strerror(errno));
			free(text);
			return 1;
		}
		if (mconsole_decode_reply(buf, n, &rep, &why) < 0) {
			fprintf(stderr, "uml_mconsole: bad reply (%s), ignored\n", why);
			continue;
		}
		/* Debian's client goes by the last packet's err. */
		err = (int32_t)rep.err;
		grown = realloc(text, text_len + rep.len);
		if (!grown) {
			fprintf(stderr, "uml_mconsole: out of memory\n");
			free(text);
			return 1;
		}
		text = grown;
		memcpy(text + text_len, rep.data, rep.len);
		text_len += rep.len - 1;
		if (!rep.more)
			break;
	}
	printf("%s %s\n", err ? "ERR" : "OK", text);
	fflush(stdout);
	free(text);
	/* The exit status is err as the Debian client's (-16 gives 240). */
	return err ? ((err & 0xff) ? (err & 0xff) : 1) : 0;
}

/* log -f FILE: the file as log lines, each request at most 510 bytes of text. */
static int log_file(const char *file)
{
	char chunk[MCONSOLE_MAX_DATA - 2 - 4 + 1];
	int fd = open(file, O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "Couldn't open \"%s\" : %s\n", file, strerror(errno));
		return 1;
	}
	while ((n = read(fd, chunk, sizeof(chunk) - 1)) > 0) {
		char cmd[MCONSOLE_MAX_DATA];
		chunk[n] = 0;
		snprintf(cmd, sizeof(cmd), "log %s", chunk);
		ret |= run_command(cmd);
	}
	if (n < 0)
		fprintf(stderr, "Reading \"%s\" : %s\n", file, strerror(errno));
	close(fd);
	return ret;
}

/* int: SIGINT to the kernel whose pid file sits beside the socket. */
static int interrupt_kernel(void)
{
	char file[PATH_MAX], buf[32], *slash;
	long pid;
	int fd;
	ssize_t n;

	snprintf(file, sizeof(file), "%s", target.sun_path);
	slash = strrchr(file, '/');
	snprintf(slash ? slash + 1 : file, sizeof(file) - (slash ? slash + 1 - file : 0), "pid");
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Couldn't open pid file '%s' : %s\n", file, strerror(errno));
		return 1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	pid = strtol(buf, NULL, 10);
	if (pid <= 0) {
		fprintf(stderr, "No pid in '%s'\n", file);
		return 1;
	}
	if (kill(pid, SIGINT) < 0) {
		fprintf(stderr, "Couldn't send SIGINT to pid %ld : %s\n", pid, strerror(errno));
		return 1;
	}
	return 0;
}

static void local_help(void)
{
	printf("Additional local mconsole commands:\n"
	       "    quit - Quit mconsole\n"
	       "    switch <socket-name> - Switch control to the given machine\n"
	       "    log -f <filename> - use contents of <filename> as UML log messages\n"
	       "    mconsole-version - version of this mconsole program\n"
	       "    int  - Interrupt UML session\n");
}

/* Client-side commands first, then the kernel. Returns -1 for quit. */
static int one_line(char *line)
{
	char *s = line, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	if (!strcmp(s, "quit"))
		return -1;
	if (!strcmp(s, "mconsole-version")) {
		printf("uml_mconsole client version %d\n", MCONSOLE_VERSION);
		return 0;
	}
	if (!strcmp(s, "int"))
		return interrupt_kernel();
	if (!strncmp(s, "switch", 6) && (s[6] == ' ' || !s[6])) {
		const char *name = s + 6;
		while (*name == ' ')
			name++;
		if (!*name || set_target(name) < 0)
			return 1;
		printf("Switched to '%s'\n", name);
		return 0;
	}
	if (!strncmp(s, "log -f", 6) && (s[6] == ' ' || !s[6])) {
		const char *file = s + 6;
		while (*file == ' ')
			file++;
		return log_file(file);
	}
	/* The kernel logs text as it comes: end the line, as Debian's client does. */
	if (!strncmp(s, "log", 3) && (s[3] == ' ' || !s[3])) {
		int r = run_command(s);
		return run_command("log \n") | r;
	}
	if (!strcmp(s, "help")) {
		int r = run_command(s);
		local_help();
		return r;
	}
	return run_command(s);
}

static int interactive(const char *name)
{
	bool tty = isatty(0);
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	for (;;) {
		printf("(%s) ", name);
		fflush(stdout);
		if (getline(&line, &cap, stdin) < 0) {
			putchar('\n');
			break;
		}
		/* Like readline on a pipe: show what was read. */
		if (!tty)
			fputs(line, stdout);
		if (one_line(line) < 0)
			break;
	}
	free(line);
	return ret;
}

int main(int argc, char **argv)
{
	char cmd[4 * MCONSOLE_MAX_DATA] = "";
	size_t len = 0;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "Usage : uml_mconsole socket-name [command]\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (open_client_socket() < 0)
		return 1;
	if (set_target(argv[1]) < 0) {
		fprintf(stderr, "uml_mconsole: no mconsole socket found for '%s'\n", argv[1]);
		if (argc > 2)
			return 1;
	}
	if (argc == 2)
		return interactive(argv[1]);
	for (int i = 2; i < argc; i++) {
		int n = snprintf(cmd + len, sizeof(cmd) - len, "%s%s", i > 2 ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(cmd) - len) {
			fprintf(stderr, "uml_mconsole: command too long\n");
			return 1;
		}
		len += n;
	}
	ret = one_line(cmd);
	return ret < 0 ? 0 : ret;
}
