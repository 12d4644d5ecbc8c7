// SPDX-License-Identifier: MIT
/*
 * syscall_loop: a syscall loop for `make bench`.
 *
 * Two modes:
 *   syscall_loop [-c CGROUP] [-s SYSCALL] -n CALLS
 *	as fast as possible; prints the median ns per call over -k rounds
 *   syscall_loop [-c CGROUP] [-s SYSCALL] -r RATE -d SECONDS
 *	about RATE calls per second for SECONDS (paced every millisecond),
 *	so that a recorder in --syscall-seq mode sees RATE events per second
 *
 * -s picks the syscall: getppid (the default: no work in the kernel, so
 * the probes' cost stands out), write (-b BYTES to /dev/null) or read
 * (-b BYTES from /dev/zero), which the read/write byte counters see.
 *
 * With -c the process first moves itself into the cgroup v2 directory
 * CGROUP, so that a recorder watching that cgroup sees its syscalls.
 * Output is one line of key=value pairs that bench/run.sh parses.
 *
 * Examples:
 *   syscall_loop -n 3000000 -k 5
 *   syscall_loop -s write -b 64 -n 1000000 -k 3
 *   syscall_loop -c /sys/fs/cgroup/unified/cadet-bench -r 100000 -d 4
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 64
#define MAX_BYTES 65536

enum loop_call {
	CALL_GETPPID,
	CALL_WRITE,
	CALL_READ,
};

/* What one iteration does: set by main. */
static enum loop_call call_kind = CALL_GETPPID;
static int call_fd = -1;
static size_t call_bytes = 64;
static char call_buf[MAX_BYTES];

static void one_call(void)
{
	switch (call_kind) {
	case CALL_GETPPID:
		syscall(SYS_getppid);
		break;
	case CALL_WRITE:
		if (write(call_fd, call_buf, call_bytes) < 0)
			abort();
		break;
	case CALL_READ:
		if (read(call_fd, call_buf, call_bytes) < 0)
			abort();
		break;
	}
}

static unsigned long long clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned long long now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static int join_cgroup(const char *dir)
{
	char path[4096];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	/* "0" means the writing process itself. */
	if (write(fd, "0", 1) != 1)
		err = -errno;
	close(fd);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Tight loop: median ns per call over @rounds rounds of @calls calls, in
 * wall time and in this thread's CPU time (user + kernel, BPF programs
 * included): CPU time does not count the time other work on a busy
 * machine keeps the loop waiting.
 */
static void run_tight(long calls, int rounds)
{
	double ns[MAX_ROUNDS], cpu[MAX_ROUNDS];
	int r;

	for (r = 0; r < rounds; r++) {
		unsigned long long t0 = now_ns();
		unsigned long long c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		long i;

		for (i = 0; i < calls; i++)
			one_call();
		cpu[r] = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / calls;
		ns[r] = (double)(now_ns() - t0) / calls;
	}
	qsort(ns, rounds, sizeof(ns[0]), cmp_double);
	qsort(cpu, rounds, sizeof(cpu[0]), cmp_double);
	printf("calls=%ld rounds=%d ns_per_call=%.1f min=%.1f max=%.1f cpu_ns_per_call=%.1f cpu_min=%.1f\n",
	       calls, rounds, ns[rounds / 2], ns[0], ns[rounds - 1],
	       cpu[rounds / 2], cpu[0]);
}

/*
 * Paced loop: each millisecond tick issues the calls due by then, so
 * the rate holds on average even when a tick is late; when the loop
 * cannot keep up it simply runs flat out.
 */
static void run_paced(long rate, double seconds)
{
	unsigned long long t0 = now_ns(), end, t;
	unsigned long long done = 0, due;
	struct timespec tick = {0, 1000000};

	end = t0 + (unsigned long long)(seconds * 1e9);
	for (;;) {
		t = now_ns();
		if (t >= end)
			break;
		due = (unsigned long long)((double)(t - t0) * rate / 1e9) + 1;
		/* Bounded batches: flat out, still stop at @end. */
		if (due > done + 100000)
			due = done + 100000;
		while (done < due) {
			one_call();
			done++;
		}
		if (now_ns() - t < 900000)
			nanosleep(&tick, NULL);
	}
	t = now_ns();
	printf("calls=%llu seconds=%.3f rate=%.0f\n", done, (t - t0) / 1e9,
	       done / ((t - t0) / 1e9));
}

static void usage(void)
{
	fprintf(stderr,
		"usage: syscall_loop [-c CGROUP] [-s getppid|write|read] [-b BYTES] -n CALLS [-k ROUNDS]\n"
		"       syscall_loop [-c CGROUP] [-s getppid|write|read] [-b BYTES] -r RATE -d SECONDS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cgroup = NULL, *call = "getppid";
	long calls = 0, rate = 0;
	double seconds = 0;
	int rounds = 5, opt, err;

	while ((opt = getopt(argc, argv, "c:n:k:r:d:s:b:")) != -1) {
		switch (opt) {
		case 'c':
			cgroup = optarg;
			break;
		case 'n':
			calls = atol(optarg);
			break;
		case 'k':
			rounds = atoi(optarg);
			break;
		case 'r':
			rate = atol(optarg);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 's':
			call = optarg;
			break;
		case 'b':
			call_bytes = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS ||
	    (calls <= 0 && (rate <= 0 || seconds <= 0)) || call_bytes < 1 ||
	    call_bytes > MAX_BYTES)
		usage();
	if (!strcmp(call, "write")) {
		call_kind = CALL_WRITE;
		call_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	} else if (!strcmp(call, "read")) {
		call_kind = CALL_READ;
		call_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	} else if (strcmp(call, "getppid")) {
		usage();
	}
	if (call_kind != CALL_GETPPID && call_fd < 0) {
		fprintf(stderr, "syscall_loop: cannot open the %s device: %s\n",
			call, strerror(errno));
		return 1;
	}
	if (cgroup) {
		err = join_cgroup(cgroup);
		if (err) {
			fprintf(stderr,
				"syscall_loop: cannot join cgroup %s: %s "
				"(run as root; the directory must be a cgroup v2 "
				"one)\n",
				cgroup, strerror(-err));
			return 1;
		}
	}
	if (calls > 0)
		run_tight(calls, rounds);
	else
		run_paced(rate, seconds);
	return 0;
}
