/* Encoding and checking of mconsole datagrams (uml-compat.md §3). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "mconsole_proto.h"

enum mconsole_req_status mconsole_decode_request(const void *buf, size_t n,
						 struct mconsole_request *req,
						 const char **error)
{
	static const char *short_msg = "Malformed request: shorter than the 12-byte header";
	static const char *trunc_msg = "Malformed request: length field exceeds the datagram";
	size_t data_len;

	memset(req, 0, sizeof(*req));
	*error = NULL;
	memcpy(req, buf, n < sizeof(*req) ? n : sizeof(*req));
	if (n < 4 || req->magic != MCONSOLE_MAGIC) {
		/* Version 0 clients sent bare text: they get bare text back. */
		*error = MCONSOLE_V0_REPLY;
		return MC_REQ_NO_MAGIC;
	}
	if (n < MCONSOLE_REQ_HDR) {
		*error = short_msg;
		return MC_REQ_REJECT;
	}
	if (req->len >= MCONSOLE_MAX_DATA) {
		*error = "Request too large";
		return MC_REQ_REJECT;
	}
	data_len = n - MCONSOLE_REQ_HDR;
	if (req->len > data_len) {
		*error = trunc_msg;
		return MC_REQ_REJECT;
	}
	req->data[req->len] = 0;
	if (req->version != MCONSOLE_VERSION) {
		*error = "This driver only supports version 2 clients";
		return MC_REQ_BAD_VERSION;
	}
	return MC_REQ_OK;
}

int mconsole_encode_request(struct mconsole_request *req, const char *cmd)
{
	size_t len = strlen(cmd);

	if (len >= MCONSOLE_MAX_DATA)
		return -EMSGSIZE;
	memset(req, 0, sizeof(*req));
	req->magic = MCONSOLE_MAGIC;
	req->version = MCONSOLE_VERSION;
	req->len = len;
	memcpy(req->data, cmd, len);
	return 0;
}

size_t mconsole_fill_reply(struct mconsole_reply *r, const char **text, size_t *left,
			   int first, int32_t err, int final_more)
{
	size_t n = *left < MCONSOLE_MAX_DATA - 1 ? *left : MCONSOLE_MAX_DATA - 1;

	r->err = first ? (uint32_t)err : 0;
	memcpy(r->data, *text, n);
	r->data[n] = 0;
	r->len = n + 1;
	*text += n;
	*left -= n;
	r->more = *left ? 1 : (final_more ? 1 : 0);
	return MCONSOLE_REPLY_HDR + r->len;
}

int mconsole_decode_reply(const void *buf, size_t n, struct mconsole_reply *r,
			  const char **error)
{
	memset(r, 0, sizeof(*r));
	memcpy(r, buf, n < sizeof(*r) ? n : sizeof(*r));
	if (n < MCONSOLE_REPLY_HDR) {
		*error = "reply shorter than its 12-byte header";
		return -EBADMSG;
	}
	if (r->len < 1 || r->len > MCONSOLE_MAX_DATA) {
		*error = "reply length out of range (1-512)";
		return -EBADMSG;
	}
	if (n < MCONSOLE_REPLY_HDR + r->len) {
		*error = "reply length exceeds the datagram";
		return -EBADMSG;
	}
	if (r->data[r->len - 1] != 0) {
		*error = "reply text is not NUL-terminated";
		return -EBADMSG;
	}
	return 0;
}

size_t mconsole_fill_notify(struct mconsole_notify *m, int type, const void *data,
			    size_t len)
{
	if (len > MCONSOLE_MAX_DATA)
		len = MCONSOLE_MAX_DATA;
	m->magic = MCONSOLE_MAGIC;
	m->version = MCONSOLE_VERSION;
	m->type = type;
	m->len = len;
	memcpy(m->data, data, len);
	return MCONSOLE_NOTIFY_HDR + len;
}

int mconsole_decode_notify(const void *buf, size_t n, struct mconsole_notify *m,
			   const char **error)
{
	memset(m, 0, sizeof(*m));
	memcpy(m, buf, n < sizeof(*m) ? n : sizeof(*m));
	if (n < MCONSOLE_NOTIFY_HDR) {
		*error = "notification shorter than its 16-byte header";
		return -EBADMSG;
	}
	if (m->magic != MCONSOLE_MAGIC || m->version != MCONSOLE_VERSION) {
		*error = "notification has a wrong magic number or version";
		return -EBADMSG;
	}
	if (m->len > MCONSOLE_MAX_DATA || n < MCONSOLE_NOTIFY_HDR + m->len) {
		*error = "notification length exceeds the datagram";
		return -EBADMSG;
	}
	return 0;
}

/* Output with a bound: false once it does not fit. */
struct obuf {
	char *p;
	size_t len, pos;
	bool full;
};

static void put(struct obuf *o, const char *s, size_t n)
{
	if (o->pos + n >= o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->pos, s, n);
	o->pos += n;
	o->p[o->pos] = 0;
}

/* Append dir + "/" + rel to o, resolving "." and ".." lexically. */
static void put_absolute(struct obuf *o, const char *cwd, const char *rel, size_t rel_len)
{
	size_t start = o->pos;
	const char *parts[2] = { cwd, rel };
	size_t lens[2] = { strlen(cwd), rel_len };

	for (int k = 0; k < 2; k++) {
		const char *s = parts[k], *end = s + lens[k];
		while (s < end) {
			const char *slash = memchr(s, '/', end - s);
			size_t n = (slash ? slash : end) - s;
			if (n == 0 || (n == 1 && s[0] == '.')) {
				/* nothing */
			} else if (n == 2 && s[0] == '.' && s[1] == '.') {
				while (o->pos > start && o->p[o->pos - 1] != '/')
					o->pos--;
				if (o->pos > start)
					o->pos--;
				o->p[o->pos] = 0;
			} else {
				put(o, "/", 1);
				put(o, s, n);
			}
			s += n + (slash ? 1 : 0);
		}
	}
	if (o->pos == start)
		put(o, "/", 1);
}

int mconsole_absolutize_config(const char *cmd, const char *cwd, char *out,
			       size_t outlen)
{
	struct obuf o = { out, outlen, 0, false };
	const char *eq, *s;

	if (outlen)
		out[0] = 0;
	if (strncmp(cmd, "config ubd", 10) || !(eq = strchr(cmd, '=')) || !cwd || cwd[0] != '/') {
		put(&o, cmd, strlen(cmd));
		return o.full ? -ENAMETOOLONG : (int)o.pos;
	}
	put(&o, cmd, eq + 1 - cmd);
	s = eq + 1;
	/* The file and the backing file; a serial (third field) is not a path. */
	for (int field = 0; field < 2 && *s; field++) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		if (n == 0 || s[0] == '/')
			put(&o, s, n);
		else
			put_absolute(&o, cwd, s, n);
		s += n;
		if (*s == ',' && field == 0) {
			put(&o, ",", 1);
			s++;
		}
	}
	put(&o, s, strlen(s));
	return o.full ? -ENAMETOOLONG : (int)o.pos;
}
