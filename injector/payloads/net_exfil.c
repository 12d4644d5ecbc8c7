// SPDX-License-Identifier: MIT
/*
 * net_exfil: bulk upload of data to a collection server.
 *
 * A sink child (the "collection server") listens on 127.0.0.1:--port and
 * discards what it receives. The payload reads a few files of the
 * container (/etc/passwd, /etc/hostname, /etc/os-release) and uploads them
 * followed by bulk data as HTTP POSTs of --chunk bytes each, paced at
 * --rate bytes per second, until --max bytes are sent or the deadline
 * passes. The trace shows the target's tx_bytes (and, the sink being in
 * the same container, rx_bytes) per interval jump and repeated connects
 * to the port.
 */
#include "payload.h"

static const char usage[] =
	"Uploads data in bulk to a loopback sink it starts.\n"
	"  --rate=SIZE   bytes per second (default 16M, cap 1G)\n"
	"  --max=SIZE    total bytes (default 1G, hard cap 16G)\n"
	"  --chunk=SIZE  bytes per upload connection (default 4M, 64K..256M)\n"
	"  --port=N      sink port on 127.0.0.1 (default 8443)\n";

static const char *const keys[] = { "rate", "max", "chunk", "port", NULL };

#define BLOCK (64u << 10)

/* Drains an upload and answers like a web server. */
static void sink(int fd)
{
	static char buf[BLOCK];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pl_write_all(fd, "HTTP/1.0 204 No Content\r\n\r\n", 27);
}

/* Sends a file of the container as the start of an upload. */
static uint64_t send_file(int fd, const char *path)
{
	char buf[4096];
	uint64_t sent = 0;
	ssize_t n;
	int in = open(path, O_RDONLY | O_CLOEXEC);

	if (in < 0)
		return 0;
	while ((n = read(in, buf, sizeof(buf))) > 0 &&
	       !pl_write_all(fd, buf, n))
		sent += n;
	close(in);
	return sent;
}

int main(int argc, char **argv)
{
	static const char *const loot[] = { "/etc/passwd", "/etc/hostname",
					    "/etc/os-release" };
	static uint64_t block[BLOCK / 8];
	uint64_t rate, max, chunk, sent = 0, next;
	long uploads = 0;
	uint16_t port;
	pid_t sink_pid;
	int lfd;

	pl_init(argc, argv, "net_exfil", usage, keys);
	rate = pl_size("rate", 16ull << 20, 1024, 1ull << 30);
	max = pl_size("max", 1ull << 30, 1024, 16ull << 30);
	chunk = pl_size("chunk", 4ull << 20, 64 << 10, 256ull << 20);
	port = pl_int("port", 8443, 1, 65535);
	lfd = pl_listen_lo_or_die(&port, 16);
	sink_pid = pl_fork_server(lfd, sink);
	for (size_t i = 0; i < BLOCK / 8; i++)
		block[i] = pl_rand();

	pl_begin();
	next = pl_now();
	while (sent < max && pl_running()) {
		char hdr[160];
		uint64_t in_chunk = 0;
		int fd, n;

		fd = pl_connect_lo(port);
		if (fd < 0) {
			pl_note("connect 127.0.0.1:%u: %s", port,
				strerror(-fd));
			break;
		}
		n = snprintf(hdr, sizeof(hdr),
			     "POST /upload/%ld HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			     "Content-Type: application/octet-stream\r\n\r\n",
			     uploads);
		pl_write_all(fd, hdr, n);
		if (uploads < 3)
			in_chunk += send_file(fd, loot[uploads]);
		while (in_chunk < chunk && sent + in_chunk < max &&
		       pl_running()) {
			block[in_chunk / BLOCK % (BLOCK / 8)] ^= pl_rand();
			if (pl_write_all(fd, block, BLOCK) < 0)
				break;
			in_chunk += BLOCK;
			next += BLOCK * PL_NSEC / rate;
			pl_sleep_until(next);
		}
		shutdown(fd, SHUT_WR);
		close(fd);
		sent += in_chunk;
		uploads++;
	}
	pl_finish();
	pl_note("%" PRIu64 " MiB uploaded in %ld connections", sent >> 20,
		uploads);
	pl_reap(sink_pid);
	return 0;
}
