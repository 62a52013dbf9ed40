/* benchtool.c - small measuring helpers for tests/bench/bench.sh, on
 * loopback only.
 *
 *   benchtool freeport
 *       prints a TCP port of 127.0.0.1 that was free a moment ago
 *   benchtool startup PORT LOG -- COMMAND [ARGS...]
 *       starts COMMAND (stderr to LOG, stdout to /dev/null), asks
 *       http://127.0.0.1:PORT/-/healthy every 100 us until it answers 200,
 *       prints the microseconds from just before the fork to that answer,
 *       then stops COMMAND with SIGTERM and waits for it. Exit 1 when no
 *       200 came within 5 s.
 *   benchtool get PORT PATH COUNT [gzip]
 *       sends COUNT GET requests one after another (with Accept-Encoding:
 *       gzip when asked), on one kept-alive connection unless the server
 *       answers "Connection: close", reads each answer whole, and prints
 *       the body bytes of the last one and the connections opened. Exit 1
 *       on anything but a 200 with a Content-Length.
 *
 * Build: cc -std=c17 -D_POSIX_C_SOURCE=200809L -O2 benchtool.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int connect_port(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int freeport(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof sa;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		perror("benchtool freeport");
		return 1;
	}
	printf("%u\n", (unsigned)ntohs(sa.sin_port));
	close(fd);
	return 0;
}

/* One try: true when /-/healthy answered 200. */
static int healthy(unsigned port)
{
	int fd = connect_port(port);
	if (fd < 0)
		return 0;
	static const char req[] = "GET /-/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	char buf[64];
	size_t got = 0;
	if (write_all(fd, req, sizeof req - 1) == 0) {
		while (got < 12) {
			ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
	}
	close(fd);
	buf[got] = '\0';
	return got >= 12 && strncmp(buf + 8, " 200", 4) == 0;
}

static int startup(unsigned port, const char *log, char **argv)
{
	double t0 = now_us();
	pid_t pid = fork();
	if (pid < 0) {
		perror("benchtool fork");
		return 1;
	}
	if (pid == 0) {
		int err = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int out = open("/dev/null", O_WRONLY);
		if (err >= 0)
			dup2(err, 2);
		if (out >= 0)
			dup2(out, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	double t1 = 0;
	struct timespec pause = { 0, 100000 };
	while (now_us() - t0 < 5e6) {
		if (healthy(port)) {
			t1 = now_us();
			break;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "benchtool: the command exited before answering\n");
			return 1;
		}
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	if (t1 == 0) {
		fprintf(stderr, "benchtool: no answer within 5 s\n");
		return 1;
	}
	printf("%.0f\n", t1 - t0);
	return 0;
}

/* Reads one answer on fd; returns its body length, or -1, and sets *close
 * when the server will close the connection. buf is scratch. */
static long read_answer(int fd, char *buf, size_t size, int *close_after)
{
	size_t got = 0;
	char *end = NULL;
	while (!end) {
		if (got + 1 >= size)
			return -1;
		ssize_t n = read(fd, buf + got, size - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0)
		return -1;
	long clen = -1;
	*close_after = 0;
	for (char *line = strstr(buf, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
		if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
			clen = strtol(line + 17, NULL, 10);
		if (strncasecmp(line + 2, "Connection: close", 17) == 0)
			*close_after = 1;
	}
	if (clen < 0)
		return -1;
	size_t head = (size_t)(end + 4 - buf);
	long left = clen - (long)(got - head);
	while (left > 0) {
		ssize_t n = read(fd, buf, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		left -= n;
	}
	return left == 0 ? clen : -1;
}

static int get(unsigned port, const char *path, long count, int gzip)
{
	char req[1024];
	int rl = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", path,
			  gzip ? "Accept-Encoding: gzip\r\n" : "");
	if (rl < 0 || (size_t)rl >= sizeof req)
		return 1;
	static char buf[1 << 20];
	long len = -1, connections = 0;
	int fd = -1, close_after = 0;
	for (long i = 0; i < count; i++) {
		if (fd < 0) {
			fd = connect_port(port);
			if (fd < 0) {
				perror("benchtool connect");
				return 1;
			}
			connections++;
		}
		if (write_all(fd, req, (size_t)rl) != 0 ||
		    (len = read_answer(fd, buf, sizeof buf, &close_after)) < 0) {
			fprintf(stderr, "benchtool: request %ld failed\n", i + 1);
			close(fd);
			return 1;
		}
		if (close_after) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	printf("%ld %ld\n", len, connections);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && strcmp(argv[1], "freeport") == 0)
		return freeport();
	if (argc >= 6 && strcmp(argv[1], "startup") == 0 && strcmp(argv[4], "--") == 0)
		return startup((unsigned)atoi(argv[2]), argv[3], argv + 5);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "get") == 0)
		return get((unsigned)atoi(argv[2]), argv[3], atol(argv[4]),
			   argc == 6 && strcmp(argv[5], "gzip") == 0);
	fprintf(stderr, "usage: benchtool freeport | startup PORT LOG -- COMMAND [ARGS...] |"
			" get PORT PATH COUNT [gzip]\n");
	return 2;
}
