// SPDX-License-Identifier: MIT
/*
 * conn_flood: a flood of short TCP connections to one service.
 *
 * The payload starts its own service on 127.0.0.1:--port (threads that
 * accept, read a request line and close) and opens --rate connections per
 * second to it from --workers threads, each sending a small request and
 * closing with a reset (no TIME_WAIT, so the ephemeral ports last). The
 * trace shows the target's connect (and accept) events and its connects
 * metric jump by orders of magnitude inside the window.
 */
#include "payload.h"

#include <pthread.h>

static const char usage[] =
	"Opens many short TCP connections per second to a loopback service.\n"
	"  --rate=N     connections per second (default 1000, cap 20000)\n"
	"  --workers=N  connecting threads (default 4, 1..32)\n"
	"  --port=N     service port on 127.0.0.1 (default 8081)\n";

static const char *const keys[] = { "rate", "workers", "port", NULL };

static uint16_t port;
static long rate, workers;
static int lfd;
static long made[32];

/* Reads the request and hangs up. */
static void answer(int fd)
{
	char buf[256];

	if (read(fd, buf, sizeof(buf)) < 0)
		errno = 0;
}

static void *serve(void *arg)
{
	pl_accept_loop(lfd, answer);
	return NULL;
}

static void *flood(void *arg)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	long id = (long)arg, per = rate / workers ? rate / workers : 1;
	uint64_t next = pl_now();

	while (pl_running()) {
		int fd = pl_connect_lo(port);

		if (fd >= 0) {
			pl_write_all(fd, req, sizeof(req) - 1);
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(fd);
			made[id]++;
		}
		next += PL_NSEC / per;
		pl_sleep_until(next);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t srv[2], tids[32];
	long total = 0, nw = 0;
	int err;

	pl_init(argc, argv, "conn_flood", usage, keys);
	rate = pl_int("rate", 1000, 1, 20000);
	workers = pl_int("workers", 4, 1, 32);
	port = pl_int("port", 8081, 1, 65535);
	lfd = pl_listen_lo_or_die(&port, 1024);
	for (int i = 0; i < 2; i++)
		if ((err = pthread_create(&srv[i], NULL, serve, NULL)))
			pl_die("pthread_create: %s", strerror(err));

	pl_begin();
	for (long i = 0; i < workers; i++, nw++)
		if (pthread_create(&tids[i], NULL, flood, (void *)i))
			break;
	for (long i = 0; i < nw; i++) {
		pthread_join(tids[i], NULL);
		total += made[i];
	}
	pl_finish();
	for (int i = 0; i < 2; i++)
		pthread_join(srv[i], NULL);
	close(lfd);
	pl_note("%ld connections", total);
	return 0;
}
