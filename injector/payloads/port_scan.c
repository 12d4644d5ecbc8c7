// SPDX-License-Identifier: MIT
/*
 * port_scan: a TCP connect scan of 127.0.0.1.
 *
 * A few real services are opened first (--open listeners on ports spread
 * over the range, answered by a thread that accepts and closes), then
 * every port of --ports is tried with a full connect() at --rate per
 * second, open ones closed with a reset as scanners do; passes repeat
 * until the deadline or --passes. The trace shows connect events to many
 * distinct destination ports, almost all refused, from one process.
 */
#include "payload.h"

#include <poll.h>
#include <pthread.h>

static const char usage[] =
	"Connect-scans 127.0.0.1 over a port range.\n"
	"  --ports=A-B   port range (default 1-1024; N means 1-N)\n"
	"  --rate=N      connects per second (default 500, cap 5000)\n"
	"  --open=N      listeners opened in the range first (default 2, 0..8)\n"
	"  --passes=N    passes over the range (default 0 = until the deadline)\n";

static const char *const keys[] = { "ports", "rate", "open", "passes", NULL };

static int listeners[8];
static int nlisteners;

static void *serve(void *arg)
{
	struct pollfd p[8];

	for (int i = 0; i < nlisteners; i++)
		p[i] = (struct pollfd){ .fd = listeners[i], .events = POLLIN };
	while (pl_running()) {
		if (poll(p, nlisteners, 100) <= 0)
			continue;
		for (int i = 0; i < nlisteners; i++) {
			int fd;

			if (!(p[i].revents & POLLIN))
				continue;
			fd = accept(listeners[i], NULL, NULL);
			if (fd >= 0)
				close(fd);
		}
	}
	return NULL;
}

static int probe(uint16_t port)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd = pl_connect_lo(port);

	if (fd < 0)
		return fd;
	/* Reset instead of FIN: no TIME_WAIT pile-up over many passes. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	long lo = 1, hi, rate, nopen, passes, done = 0, open_seen = 0;
	long tried = 0;
	const char *range;
	pthread_t tid;
	uint64_t next;
	char *end;

	pl_init(argc, argv, "port_scan", usage, keys);
	range = pl_str("ports", "1-1024");
	hi = strtol(range, &end, 10);
	if (*end == '-') {
		lo = hi;
		hi = strtol(end + 1, &end, 10);
	}
	if (*end || lo < 1 || hi > 65535 || lo > hi)
		pl_die("--ports: expected A-B with 1 <= A <= B <= 65535, got '%s'",
		       range);
	rate = pl_int("rate", 500, 1, 5000);
	nopen = pl_int("open", 2, 0, 8);
	passes = pl_int("passes", 0, 0, 1000000);

	/* Spread the services over the range, as real ones would be. */
	for (long i = 0; i < nopen && lo + 1 <= hi; i++) {
		uint16_t port = lo + (hi - lo) * (2 * i + 1) / (2 * nopen);
		int fd = pl_listen_lo(&port, 128);

		if (fd >= 0)
			listeners[nlisteners++] = fd;
	}
	if (nlisteners && pthread_create(&tid, NULL, serve, NULL)) {
		pl_note("pthread_create: %s", strerror(errno));
		nlisteners = 0;
	}

	pl_begin();
	next = pl_now();
	while (pl_running() && (!passes || done < passes)) {
		for (long port = lo; port <= hi && pl_running(); port++) {
			if (probe(port) == 0)
				open_seen++;
			tried++;
			if (tried % (rate >= 100 ? rate / 100 : 1) == 0) {
				next += rate >= 100 ? PL_NSEC / 100 :
						      PL_NSEC / rate;
				pl_sleep_until(next);
			}
		}
		done++;
	}
	pl_finish();
	pl_note("%ld connects over %ld passes, %ld found open", tried, done,
		open_seen);
	if (nlisteners)
		pthread_join(tid, NULL);
	for (int i = 0; i < nlisteners; i++)
		close(listeners[i]);
	return 0;
}
