// SPDX-License-Identifier: MIT
/*
 * crypto_miner: a CPU miner reporting to a mining pool.
 *
 * --threads threads hash 80-byte block headers with double SHA-256 over an
 * incrementing nonce (at --util duty cycle, as throttled miners do), and
 * every --beacon seconds the payload connects to a Stratum-like pool stub
 * on 127.0.0.1:--port (3333, the usual pool port), subscribes, submits
 * its best share and reads the reply. The stub is a child of the payload
 * answering one JSON line per request. The trace shows the target's CPU
 * time jump and periodic connects to port 3333.
 */
#include "payload.h"

#include <poll.h>
#include <pthread.h>

static const char usage[] =
	"Hashes with double SHA-256 and beacons to a loopback pool stub.\n"
	"  --threads=N   hashing threads (default 1, cap 64)\n"
	"  --util=F      duty cycle of each thread (default 1.0, 0.05..1.0)\n"
	"  --beacon=S    seconds between pool connections (default 5, 0.5..300)\n"
	"  --port=N      pool stub port on 127.0.0.1 (default 3333)\n";

static const char *const keys[] = { "threads", "util", "beacon", "port",
				    NULL };

/* SHA-256 as specified in FIPS 180-4. */
static const uint32_t k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t st[8], const uint8_t blk[64])
{
	uint32_t w[64], a, b, c, d, e, f, g, h;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)blk[4 * i] << 24 | blk[4 * i + 1] << 16 |
		       blk[4 * i + 2] << 8 | blk[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^
			      (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = st[0], b = st[1], c = st[2], d = st[3];
	e = st[4], f = st[5], g = st[6], h = st[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
			      ((e & f) ^ (~e & g)) + k256[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));

		h = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	st[0] += a, st[1] += b, st[2] += c, st[3] += d;
	st[4] += e, st[5] += f, st[6] += g, st[7] += h;
}

/* SHA-256 of @len (< 2^29) bytes into @out. */
static void sha256(const uint8_t *msg, size_t len, uint8_t out[32])
{
	uint32_t st[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint8_t blk[64];
	size_t i = 0, rest;
	uint64_t bits = (uint64_t)len * 8;

	for (; i + 64 <= len; i += 64)
		sha256_block(st, msg + i);
	rest = len - i;
	memset(blk, 0, sizeof(blk));
	memcpy(blk, msg + i, rest);
	blk[rest] = 0x80;
	if (rest >= 56) {
		sha256_block(st, blk);
		memset(blk, 0, sizeof(blk));
	}
	for (int j = 0; j < 8; j++)
		blk[63 - j] = bits >> (8 * j);
	sha256_block(st, blk);
	for (int j = 0; j < 8; j++) {
		out[4 * j] = st[j] >> 24;
		out[4 * j + 1] = st[j] >> 16;
		out[4 * j + 2] = st[j] >> 8;
		out[4 * j + 3] = st[j];
	}
}

static double util;
static uint16_t port;
static pthread_mutex_t best_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t best_nonce;
static int best_zeros;
static uint64_t hashes[64];

static int leading_zero_bits(const uint8_t h[32])
{
	int n = 0;

	/* Bitcoin reads the hash as a little-endian number. */
	for (int i = 31; i >= 0; i--) {
		if (h[i])
			return n + __builtin_clz(h[i]) - 24;
		n += 8;
	}
	return n;
}

static void *mine(void *arg)
{
	long id = (long)arg;
	uint8_t header[80], h1[32], h2[32];
	uint32_t nonce = (uint32_t)id << 26;

	for (int i = 0; i < 76; i++)
		header[i] = (uint8_t)(i * 31 + id);
	while (pl_running()) {
		uint64_t period = pl_now();
		uint64_t busy = period + (uint64_t)(util * PL_NSEC / 10);

		while (pl_now() < busy) {
			for (int i = 0; i < 256; i++, nonce++) {
				int z;

				memcpy(header + 76, &nonce, 4);
				sha256(header, 80, h1);
				sha256(h1, 32, h2);
				z = leading_zero_bits(h2);
				if (z > best_zeros) {
					pthread_mutex_lock(&best_lock);
					best_zeros = z;
					best_nonce = nonce;
					pthread_mutex_unlock(&best_lock);
				}
			}
			hashes[id] += 256;
		}
		if (util < 1.0)
			pl_sleep_until(period + PL_NSEC / 10);
	}
	return NULL;
}

/* Answers every line of a client with a subscribe ack and a job. */
static void pool_stub(int fd)
{
	static const char reply[] =
		"{\"id\":1,\"result\":true,\"error\":null}\n"
		"{\"id\":null,\"method\":\"mining.notify\",\"params\":"
		"[\"job1\",\"0000\",\"01\",\"02\",[],\"20000000\",\"1d00ffff\","
		"\"5f5e1000\",true]}\n";
	char buf[1024];

	while (read(fd, buf, sizeof(buf)) > 0)
		if (pl_write_all(fd, reply, sizeof(reply) - 1) < 0)
			break;
}

static void beacon(long n)
{
	char msg[320], buf[512];
	int fd, len;

	fd = pl_connect_lo(port);
	if (fd < 0)
		return;
	pthread_mutex_lock(&best_lock);
	len = snprintf(msg, sizeof(msg),
		       "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":"
		       "[\"cadet-miner/1.0\"]}\n"
		       "{\"id\":2,\"method\":\"mining.submit\",\"params\":"
		       "[\"worker1\",\"job%ld\",\"%08x\",\"%d\"]}\n",
		       n, best_nonce, best_zeros);
	pthread_mutex_unlock(&best_lock);
	if (!pl_write_all(fd, msg, len)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 1000) > 0 && read(fd, buf, sizeof(buf)) < 0)
			errno = 0;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	pthread_t tids[64];
	long threads, nt = 0, beacons = 0;
	uint64_t total = 0, next;
	double period;
	pid_t stub;
	int lfd;

	pl_init(argc, argv, "crypto_miner", usage, keys);
	threads = pl_int("threads", 1, 1, 64);
	util = pl_double("util", 1.0, 0.05, 1.0);
	period = pl_secs("beacon", 5, 0.5, 300);
	port = pl_int("port", 3333, 1, 65535);
	lfd = pl_listen_lo_or_die(&port, 16);
	stub = pl_fork_server(lfd, pool_stub);

	pl_begin();
	for (long i = 0; i < threads; i++, nt++)
		if (pthread_create(&tids[i], NULL, mine, (void *)i))
			break;
	next = pl_now();
	while (pl_running()) {
		beacon(beacons++);
		next += (uint64_t)(period * PL_NSEC);
		pl_sleep_until(next);
	}
	for (long i = 0; i < nt; i++) {
		pthread_join(tids[i], NULL);
		total += hashes[i];
	}
	pl_finish();
	pl_note("%" PRIu64 " hashes, %ld beacons, best share %d zero bits",
		total, beacons, best_zeros);
	pl_reap(stub);
	return 0;
}
