/* The telnet filter of port: channels: commands stripped, options refused,
 * NAWS window sizes, NVT line ends, IAC escaping, splits anywhere. */
#include "tty/telnet.h"
#include "unit.h"

static unsigned char reply[64];
static size_t reply_len;

static size_t feed(struct telnet *t, unsigned char *buf, size_t n)
{
	return telnet_input(t, buf, n, reply, &reply_len, sizeof(reply));
}

static void test_plain_and_commands(void)
{
	struct telnet t;
	unsigned char in[] = "ab\xff\xfd\x01" "c\xff\xf1" "d\xff\xff" "e";
	size_t n;

	telnet_init(&t);
	reply_len = 0;
	n = feed(&t, in, sizeof(in) - 1);
	CHECK_EQ(n, 6);
	CHECK(!memcmp(in, "abcd\xff" "e", 6));
	CHECK_EQ(reply_len, 0);		/* DO ECHO: already offered */
}

static void test_refusals(void)
{
	struct telnet t;
	unsigned char in[] = "\xff\xfd\x18\xff\xfb\x20\xff\xfb\x1f\xff\xfe\x01\xff\xfc\x05";

	telnet_init(&t);
	reply_len = 0;
	CHECK_EQ(feed(&t, in, sizeof(in) - 1), 0);
	/* DO TTYPE -> WONT, WILL TSPEED -> DONT; WILL NAWS, DONT, WONT: none */
	CHECK_EQ(reply_len, 6);
	CHECK(!memcmp(reply, "\xff\xfc\x18\xff\xfe\x20", 6));
}

static void test_naws_split_everywhere(void)
{
	const unsigned char msg[] = "x\xff\xfa\x1f\x00\x50\xff\xff\x18\xff\xf0y";
	size_t len = sizeof(msg) - 1;

	/* Every split point gives the same data and window size. */
	for (size_t cut = 0; cut <= len; cut++) {
		unsigned char buf[32], data[8];
		struct telnet t;
		size_t n, dn = 0;

		telnet_init(&t);
		memcpy(buf, msg, len);
		n = feed(&t, buf, cut);
		memcpy(data + dn, buf, n);
		dn += n;
		n = feed(&t, buf + cut, len - cut);
		memcpy(data + dn, buf + cut, n);
		dn += n;
		CHECK_EQ(dn, 2);
		CHECK(data[0] == 'x' && data[1] == 'y');
		CHECK(t.winsize_changed);
		CHECK_EQ(t.cols, 80);
		CHECK_EQ(t.rows, 0xff18);
	}
}

static void test_bad_subnegotiation_ignored(void)
{
	unsigned char in[] = "\xff\xfa\x1f\x00\x50\x00\xff\xf0\xff\xfa\x1f\x01\x02\x03\x04\x05\x06\x07\x08\x09\xff\xf0z";
	struct telnet t;

	telnet_init(&t);
	CHECK_EQ(feed(&t, in, sizeof(in) - 1), 1);	/* short, then too long */
	CHECK(!t.winsize_changed);
	CHECK_EQ(in[0], 'z');
}

static void test_line_ends(void)
{
	unsigned char in[] = "a\r\nb\r\0c\rd\ne";
	struct telnet t;
	size_t n;

	telnet_init(&t);
	n = feed(&t, in, sizeof(in) - 1);
	CHECK_EQ(n, 9);
	CHECK(!memcmp(in, "a\rb\rc\rd\ne", 9));
}

static void test_escape(void)
{
	unsigned char out[8];

	CHECK_EQ(telnet_escape("a\xff" "b", 3, out), 4);
	CHECK(!memcmp(out, "a\xff\xff" "b", 4));
}

static void test_reply_overflow_is_bounded(void)
{
	unsigned char in[60 * 3];
	struct telnet t;

	for (int i = 0; i < 60; i++) {
		in[3 * i] = 0xff;
		in[3 * i + 1] = 0xfd;
		in[3 * i + 2] = 40;
	}
	telnet_init(&t);
	reply_len = 0;
	CHECK_EQ(feed(&t, in, sizeof(in)), 0);
	CHECK(reply_len <= sizeof(reply));
	CHECK_EQ(reply_len % 3, 0);
}

int main(void)
{
	test_plain_and_commands();
	test_refusals();
	test_naws_split_everywhere();
	test_bad_subnegotiation_ignored();
	test_line_ends();
	test_escape();
	test_reply_overflow_is_bounded();
	return unit_done();
}
