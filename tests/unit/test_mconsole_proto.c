/* The mconsole wire format (lib/mconsole_proto.c) and the server's
 * command lookup. */
#include <errno.h>
#include "unit.h"
#include "mconsole_proto.h"
#include "mconsole/internal.h"

static void test_request_layout(void)
{
	struct mconsole_request req;
	const unsigned char *b = (const unsigned char *)&req;

	CHECK_EQ(sizeof(struct mconsole_request), 524);
	CHECK_EQ(sizeof(struct mconsole_reply), 524);
	CHECK_EQ(sizeof(struct mconsole_notify), 528);
	CHECK_EQ(mconsole_encode_request(&req, "version"), 0);
	/* Native byte order: be ba fe ca on x86. */
	CHECK_EQ(b[0], 0xbe);
	CHECK_EQ(b[3], 0xca);
	CHECK_EQ(req.version, 2);
	CHECK_EQ(req.len, 7);
	CHECK_STR(req.data, "version");
	CHECK_EQ(req.data[7], 0);
}

static void test_encode_too_long(void)
{
	struct mconsole_request req;
	char big[600];

	memset(big, 'x', sizeof(big));
	big[511] = 0;
	CHECK_EQ(mconsole_encode_request(&req, big), 0);
	big[511] = 'x';
	big[512] = 0;
	CHECK_EQ(mconsole_encode_request(&req, big), -EMSGSIZE);
}

static void test_decode_request(void)
{
	struct mconsole_request in, out;
	const char *err;

	mconsole_encode_request(&in, "halt");
	CHECK_EQ(mconsole_decode_request(&in, sizeof(in), &out, &err), MC_REQ_OK);
	CHECK_STR(out.data, "halt");
	/* A short datagram is fine when it holds len bytes of data. */
	CHECK_EQ(mconsole_decode_request(&in, 12 + 4, &out, &err), MC_REQ_OK);
	CHECK_STR(out.data, "halt");
	/* ... and truncated when it does not. */
	CHECK_EQ(mconsole_decode_request(&in, 12 + 2, &out, &err), MC_REQ_REJECT);
	CHECK(strstr(err, "length") != NULL);
	/* Shorter than the header. */
	CHECK_EQ(mconsole_decode_request(&in, 8, &out, &err), MC_REQ_REJECT);
	CHECK(strstr(err, "header") != NULL);
	/* No magic: a version 0 client gets raw text. */
	CHECK_EQ(mconsole_decode_request("version", 7, &out, &err), MC_REQ_NO_MAGIC);
	CHECK_STR(err, MCONSOLE_V0_REPLY);
	CHECK_EQ(mconsole_decode_request("", 0, &out, &err), MC_REQ_NO_MAGIC);
	/* len >= 512 */
	in.len = 512;
	CHECK_EQ(mconsole_decode_request(&in, sizeof(in), &out, &err), MC_REQ_REJECT);
	CHECK_STR(err, "Request too large");
	in.len = 0xffffffff;
	CHECK_EQ(mconsole_decode_request(&in, sizeof(in), &out, &err), MC_REQ_REJECT);
	/* Wrong version: error reply, then the command still runs. */
	mconsole_encode_request(&in, "version");
	in.version = 3;
	CHECK_EQ(mconsole_decode_request(&in, sizeof(in), &out, &err), MC_REQ_BAD_VERSION);
	CHECK_STR(err, "This driver only supports version 2 clients");
	CHECK_STR(out.data, "version");
	/* The command ends at len even if the data goes on. */
	mconsole_encode_request(&in, "versionXYZ");
	in.len = 7;
	CHECK_EQ(mconsole_decode_request(&in, sizeof(in), &out, &err), MC_REQ_OK);
	CHECK_STR(out.data, "version");
}

static void test_reply_chunks(void)
{
	struct mconsole_reply r;
	char text[1200];
	const char *p = text;
	size_t left, n;

	memset(text, 'a', sizeof(text));
	text[1100] = 0;
	left = 1100;
	n = mconsole_fill_reply(&r, &p, &left, 1, 1, 0);
	CHECK_EQ(n, 12 + 512);
	CHECK_EQ(r.err, 1);
	CHECK_EQ(r.more, 1);
	CHECK_EQ(r.len, 512);
	CHECK_EQ(r.data[511], 0);
	n = mconsole_fill_reply(&r, &p, &left, 0, 1, 0);
	CHECK_EQ(r.err, 0);		/* err only in the first packet */
	CHECK_EQ(r.more, 1);
	n = mconsole_fill_reply(&r, &p, &left, 0, 1, 0);
	CHECK_EQ(r.len, 1100 - 2 * 511 + 1);
	CHECK_EQ(r.more, 0);
	CHECK_EQ(left, 0);
	CHECK_EQ(n, 12 + r.len);
	/* Empty text: one packet with just the NUL; the caller's more. */
	p = "";
	left = 0;
	n = mconsole_fill_reply(&r, &p, &left, 1, 0, 1);
	CHECK_EQ(n, 13);
	CHECK_EQ(r.len, 1);
	CHECK_EQ(r.more, 1);
}

static void test_decode_reply(void)
{
	struct mconsole_reply r, out;
	const char *p = "OK text", *err;
	size_t left = strlen(p), n;

	n = mconsole_fill_reply(&r, &p, &left, 1, 0, 0);
	CHECK_EQ(mconsole_decode_reply(&r, n, &out, &err), 0);
	CHECK_STR(out.data, "OK text");
	CHECK_EQ(mconsole_decode_reply(&r, 10, &out, &err), -EBADMSG);
	CHECK_EQ(mconsole_decode_reply(&r, n - 1, &out, &err), -EBADMSG);
	r.len = 0;
	CHECK_EQ(mconsole_decode_reply(&r, n, &out, &err), -EBADMSG);
	r.len = 513;
	CHECK_EQ(mconsole_decode_reply(&r, sizeof(r), &out, &err), -EBADMSG);
	r.len = 3;
	CHECK_EQ(mconsole_decode_reply(&r, n, &out, &err), -EBADMSG);	/* no NUL */
}

static void test_notify(void)
{
	struct mconsole_notify m, out;
	const char *err;
	size_t n = mconsole_fill_notify(&m, MCONSOLE_NOTIFY_SOCKET, "/root/.uml/u2/mconsole", 23);

	CHECK_EQ(n, 16 + 23);
	CHECK_EQ(m.type, 0);
	CHECK_EQ(mconsole_decode_notify(&m, n, &out, &err), 0);
	CHECK_STR(out.data, "/root/.uml/u2/mconsole");
	CHECK_EQ(mconsole_decode_notify(&m, n - 1, &out, &err), -EBADMSG);
	CHECK_EQ(mconsole_decode_notify(&m, 12, &out, &err), -EBADMSG);
	m.magic = 0;
	CHECK_EQ(mconsole_decode_notify(&m, n, &out, &err), -EBADMSG);
}

static void test_absolutize(void)
{
	char out[600];

	CHECK(mconsole_absolutize_config("config ubd3=x.img", "/tmp/mcx", out, sizeof(out)) > 0);
	CHECK_STR(out, "config ubd3=/tmp/mcx/x.img");
	mconsole_absolutize_config("config ubd1=/abs,rel", "/tmp/mcx", out, sizeof(out));
	CHECK_STR(out, "config ubd1=/abs,/tmp/mcx/rel");
	mconsole_absolutize_config("config ubd5=a,b,c,d", "/w", out, sizeof(out));
	CHECK_STR(out, "config ubd5=/w/a,/w/b,c,d");
	mconsole_absolutize_config("config ubd2r=../y.img", "/tmp/mcx", out, sizeof(out));
	CHECK_STR(out, "config ubd2r=/tmp/y.img");
	mconsole_absolutize_config("config ubd1=./sub/./a", "/", out, sizeof(out));
	CHECK_STR(out, "config ubd1=/sub/a");
	mconsole_absolutize_config("config ubd1", "/w", out, sizeof(out));
	CHECK_STR(out, "config ubd1");
	mconsole_absolutize_config("configxx ubd1=x", "/w", out, sizeof(out));
	CHECK_STR(out, "configxx ubd1=x");
	mconsole_absolutize_config("config mem=+1M", "/w", out, sizeof(out));
	CHECK_STR(out, "config mem=+1M");
	CHECK_EQ(mconsole_absolutize_config("config ubd1=abc", "/long/dir", out, 12),
		 -ENAMETOOLONG);
}

static void test_lookup(void)
{
	size_t n;

	CHECK_EQ(mc_command_lookup("version", &n), MC_VERSION);
	CHECK_EQ(n, 7);
	CHECK_EQ(mc_command_lookup("versionXYZ", &n), MC_VERSION);
	CHECK_EQ(mc_command_lookup("goo", &n), MC_GO);
	CHECK_EQ(n, 2);
	CHECK_EQ(mc_command_lookup("sysrq m", &n), MC_SYSRQ);
	CHECK_EQ(mc_command_lookup("proc meminfo", &n), MC_PROC);
	CHECK_EQ(mc_command_lookup("stack 1", &n), MC_STACK);
	CHECK_EQ(mc_command_lookup("stop", &n), MC_STOP);
	CHECK_EQ(mc_command_lookup("hal", &n), -1);
	CHECK_EQ(mc_command_lookup("", &n), -1);
	CHECK_EQ(mc_command_lookup(" version", &n), -1);
	CHECK_EQ(mc_command_lookup("HALT", &n), -1);
}

int main(void)
{
	test_request_layout();
	test_encode_too_long();
	test_decode_request();
	test_reply_chunks();
	test_decode_reply();
	test_notify();
	test_absolutize();
	test_lookup();
	return unit_done();
}
