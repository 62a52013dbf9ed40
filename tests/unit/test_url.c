/* test_url.c - url.h: origins of http(s) URLs, where the token may go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "url.h"

static struct url_origin parse_ok(const char *url)
{
	struct url_origin o;
	memset(&o, 0x5a, sizeof o);
	if (!url_parse_origin(url, &o))
		fail_msg("%s rejected", url);
	return o;
}

static void assert_rejected(const char *url)
{
	struct url_origin o;
	memset(&o, 0x5a, sizeof o);
	if (url_parse_origin(url, &o))
		fail_msg("%s accepted (host \"%s\", port %u)", url, o.host, o.port);
	/* untouched on failure */
	assert_int_equal(o.port, 0x5a5a5a5a);
}

static void test_default_ports(void **state)
{
	(void)state;
	struct url_origin o = parse_ok("https://api.digitalocean.com");
	assert_true(o.https);
	assert_string_equal(o.host, "api.digitalocean.com");
	assert_int_equal(o.port, 443);
	assert_string_equal(o.rest, "");

	o = parse_ok("http://127.0.0.1");
	assert_false(o.https);
	assert_string_equal(o.host, "127.0.0.1");
	assert_int_equal(o.port, 80);
	assert_string_equal(o.rest, "");
}

static void test_explicit_port(void **state)
{
	(void)state;
	struct url_origin o = parse_ok("https://api.example.com:8443/v2");
	assert_int_equal(o.port, 8443);
	assert_string_equal(o.host, "api.example.com");
	assert_string_equal(o.rest, "/v2");
	o = parse_ok("http://127.0.0.1:1");
	assert_int_equal(o.port, 1);
	o = parse_ok("http://127.0.0.1:65535");
	assert_int_equal(o.port, 65535);
	o = parse_ok("https://x:443");
	assert_int_equal(o.port, 443);
	o = parse_ok("http://[::1]:8080/x");
	assert_string_equal(o.host, "[::1]");
	assert_int_equal(o.port, 8080);
	assert_string_equal(o.rest, "/x");
	o = parse_ok("http://[::1]");
	assert_string_equal(o.host, "[::1]");
	assert_int_equal(o.port, 80);
}

static void test_host_lowered(void **state)
{
	(void)state;
	struct url_origin o = parse_ok("https://API.DigitalOcean.COM/V2/Kubernetes");
	assert_string_equal(o.host, "api.digitalocean.com");
	/* the path keeps its case */
	assert_string_equal(o.rest, "/V2/Kubernetes");
}

static void test_rest(void **state)
{
	(void)state;
	const char *url = "https://api.digitalocean.com/v2/kubernetes/clusters?page=2&per_page=20";
	struct url_origin o = parse_ok(url);
	assert_string_equal(o.rest, "/v2/kubernetes/clusters?page=2&per_page=20");
	assert_ptr_equal(o.rest, url + strlen("https://api.digitalocean.com")); /* borrowed */
	o = parse_ok("https://x?page=2");
	assert_string_equal(o.host, "x");
	assert_string_equal(o.rest, "?page=2");
	o = parse_ok("https://x:444#frag");
	assert_int_equal(o.port, 444);
	assert_string_equal(o.rest, "#frag");
	o = parse_ok("https://x/");
	assert_string_equal(o.rest, "/");
}

static void test_rejected(void **state)
{
	(void)state;
	assert_rejected("https://user@api.digitalocean.com");
	assert_rejected("https://user:pass@api.digitalocean.com/v2");
	assert_rejected("https://api.digitalocean.com@evil.example/");
	assert_rejected("http://127.0.0.1:8080@evil.example");
	assert_rejected("https://x:0");
	assert_rejected("https://x:65536");
	assert_rejected("https://x:99999999999999999999");
	assert_rejected("https://x:");
	assert_rejected("https://x:80a");
	assert_rejected("https://x:-1");
	assert_rejected("https://");
	assert_rejected("https:///v2");
	assert_rejected("https://:443");
	assert_rejected("ftp://x");
	assert_rejected("file:///etc/passwd");
	assert_rejected("//x");
	assert_rejected("x");
	assert_rejected("");
	assert_rejected("https:/x");
	assert_rejected("http://[::1");
	assert_rejected("http://[::1]x");
	assert_rejected("http://ex ample.com");
	assert_rejected("http://ex%61mple.com");
	assert_rejected("http://a\\b.com");
	char longhost[URL_HOST_MAX + 32] = "https://";
	memset(longhost + 8, 'a', URL_HOST_MAX);
	longhost[8 + URL_HOST_MAX] = '\0';
	assert_rejected(longhost);
}

static void test_same_origin(void **state)
{
	(void)state;
	struct url_origin a = parse_ok("https://api.digitalocean.com");
	struct url_origin b = parse_ok("https://API.digitalocean.com:443/v2/kubernetes/clusters?page=2");
	assert_true(url_same_origin(&a, &b));
	assert_true(url_same_origin(&b, &a));

	struct url_origin c = parse_ok("http://api.digitalocean.com:443");
	assert_false(url_same_origin(&a, &c)); /* scheme differs */
	struct url_origin d = parse_ok("https://api.digitalocean.com:8443");
	assert_false(url_same_origin(&a, &d)); /* port differs */
	struct url_origin e = parse_ok("https://api.digitalocean.com.evil.example");
	assert_false(url_same_origin(&a, &e)); /* host differs */
	struct url_origin f = parse_ok("http://api.digitalocean.com");
	struct url_origin g = parse_ok("http://api.digitalocean.com:80/");
	assert_true(url_same_origin(&f, &g));
	assert_false(url_same_origin(&a, &f));
}

/* RFC 3986: scheme and host compare without case, the rest with it. A
 * pagination link written HTTPS://API.DIGITALOCEAN.COM/... is ours. */
static void test_scheme_without_case(void **state)
{
	(void)state;
	struct url_origin a = parse_ok("https://api.digitalocean.com");
	struct url_origin b = parse_ok("HTTPS://API.DIGITALOCEAN.COM/v2/kubernetes/clusters?page=2");
	assert_true(b.https);
	assert_int_equal(b.port, 443);
	assert_string_equal(b.rest, "/v2/kubernetes/clusters?page=2");
	assert_true(url_same_origin(&a, &b));
	struct url_origin c = parse_ok("Http://127.0.0.1:8080/x");
	assert_false(c.https);
	assert_int_equal(c.port, 8080);
	struct url_origin d = parse_ok("http://127.0.0.1:8080");
	assert_true(url_same_origin(&c, &d));
	/* case does not make a scheme out of something else */
	assert_rejected("HTTPX://api.digitalocean.com");
	assert_rejected("FTP://api.digitalocean.com");
	/* and HTTP is still not HTTPS */
	struct url_origin e = parse_ok("HTTP://api.digitalocean.com:443");
	assert_false(url_same_origin(&a, &e));
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(url_host_is_loopback("localhost"));
	assert_true(url_host_is_loopback("127.0.0.1"));
	assert_true(url_host_is_loopback("127.1.2.3"));
	assert_true(url_host_is_loopback("127.255.255.254"));
	assert_true(url_host_is_loopback("[::1]"));
	assert_false(url_host_is_loopback("127.0.0.1.evil.com"));
	assert_false(url_host_is_loopback("127.0.0.1.nip.io"));
	assert_false(url_host_is_loopback("localhost.evil.com"));
	assert_false(url_host_is_loopback("evil-localhost"));
	assert_false(url_host_is_loopback("128.0.0.1"));
	assert_false(url_host_is_loopback("10.0.0.1"));
	assert_false(url_host_is_loopback("1270.0.0.1"));
	assert_false(url_host_is_loopback("127.0.0"));
	assert_false(url_host_is_loopback("127.0.0.1.1"));
	assert_false(url_host_is_loopback("[::2]"));
	assert_false(url_host_is_loopback("::1"));
	assert_false(url_host_is_loopback(""));

	struct url_origin o = parse_ok("http://LocalHost:8080");
	assert_true(url_host_is_loopback(o.host));
	o = parse_ok("http://127.0.0.1.evil.com:8080");
	assert_false(url_host_is_loopback(o.host));
}

/* Only a real dotted quad stays on this machine: anything else is a name
 * the resolver may send to DNS (and search domains), and http:// to it
 * would carry the token in clear text. getaddrinfo(AI_NUMERICHOST) rejects
 * all of these. */
static void test_loopback_needs_a_real_dotted_quad(void **state)
{
	(void)state;
	assert_false(url_host_is_loopback("127.0.0.256"));
	assert_false(url_host_is_loopback("127.0.0.1111"));
	assert_false(url_host_is_loopback("127..."));
	assert_false(url_host_is_loopback("127.0.0."));
	assert_false(url_host_is_loopback("127..0.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_ports),
		cmocka_unit_test(test_explicit_port),
		cmocka_unit_test(test_host_lowered),
		cmocka_unit_test(test_rest),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_same_origin),
		cmocka_unit_test(test_scheme_without_case),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_loopback_needs_a_real_dotted_quad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
