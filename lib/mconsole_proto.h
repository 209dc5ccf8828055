/* The UML management console wire format (uml-compat.md §3), shared by the
 * kernel's mconsole server and tools/uml_mconsole. All integers are in the
 * host's byte order, as UML sends them. Pure: no I/O. */
#ifndef MCONSOLE_PROTO_H
#define MCONSOLE_PROTO_H
#include <stddef.h>
#include <stdint.h>

#define MCONSOLE_MAGIC		0xcafebabeU
#define MCONSOLE_VERSION	2
#define MCONSOLE_MAX_DATA	512
#define MCONSOLE_REQ_HDR	12	/* magic, version, len */
#define MCONSOLE_REPLY_HDR	12	/* err, more, len */
#define MCONSOLE_NOTIFY_HDR	16	/* magic, version, type, len */

struct mconsole_request {
	uint32_t magic;
	uint32_t version;
	uint32_t len;			/* command bytes, without the NUL */
	char data[MCONSOLE_MAX_DATA];
} __attribute__((packed));

struct mconsole_reply {
	uint32_t err;			/* 0 ok; 1 or a negative errno otherwise */
	uint32_t more;			/* 1: more packets follow */
	uint32_t len;			/* data bytes including the NUL */
	char data[MCONSOLE_MAX_DATA];
} __attribute__((packed));

enum mconsole_notify_type {
	MCONSOLE_NOTIFY_SOCKET,		/* data: the mconsole socket path + NUL */
	MCONSOLE_NOTIFY_PANIC,		/* data: the panic message + NUL */
	MCONSOLE_NOTIFY_HANG,
	MCONSOLE_NOTIFY_USER,		/* data: bytes written to /proc/mconsole */
};

struct mconsole_notify {
	uint32_t magic;
	uint32_t version;
	uint32_t type;
	uint32_t len;
	char data[MCONSOLE_MAX_DATA];
} __attribute__((packed));

/* What the server makes of a received datagram. */
enum mconsole_req_status {
	MC_REQ_OK,		/* req->data is the NUL-terminated command */
	MC_REQ_BAD_VERSION,	/* reply the error, then still run the command */
	MC_REQ_NO_MAGIC,	/* a "version 0" client: one raw text reply */
	MC_REQ_REJECT,		/* reply the error and drop the request */
};

/* Text of the raw reply UML sends to clients without the magic number. */
#define MCONSOLE_V0_REPLY "ERR Version 0 mconsole clients are not supported by this driver"

/*
 * Decode a request datagram of n bytes. On MC_REQ_OK and MC_REQ_BAD_VERSION
 * req holds the command, NUL-terminated at its len; on the others and on
 * MC_REQ_BAD_VERSION *error is the text to reply.
 */
enum mconsole_req_status mconsole_decode_request(const void *buf, size_t n,
						 struct mconsole_request *req,
						 const char **error);

/* Fill a request with a command: the full 524-byte structure is what the
 * Debian client sends. -EMSGSIZE if the command is 512 bytes or longer. */
int mconsole_encode_request(struct mconsole_request *req, const char *cmd);

/*
 * Fill one reply packet with the next chunk (at most 511 bytes) of the text
 * at *text, *left bytes long, and advance both. err goes in the first packet
 * only (first != 0); more is 1 while text remains, else final_more.
 * Returns the datagram length (12 + len).
 */
size_t mconsole_fill_reply(struct mconsole_reply *r, const char **text, size_t *left,
			   int first, int32_t err, int final_more);

/* Check a reply datagram of n bytes: header complete, 1 <= len <= 512,
 * all data present and NUL-terminated. 0 or -EBADMSG with *error set. */
int mconsole_decode_reply(const void *buf, size_t n, struct mconsole_reply *r,
			  const char **error);

/* A notify datagram; data of len bytes (at most 512, else cut).
 * Returns the datagram length. */
size_t mconsole_fill_notify(struct mconsole_notify *m, int type, const void *data,
			    size_t len);
/* Check a notify datagram: magic, version, len within the datagram. */
int mconsole_decode_notify(const void *buf, size_t n, struct mconsole_notify *m,
			   const char **error);

/* The Debian client's rewrite of "config ubd<digits>=a,b,..." to absolute
 * paths against cwd (uml-compat.md §3.10). Other commands are copied. Returns
 * the length written, or -ENAMETOOLONG if out (outlen bytes) is too small. */
int mconsole_absolutize_config(const char *cmd, const char *cwd, char *out,
			       size_t outlen);
#endif
