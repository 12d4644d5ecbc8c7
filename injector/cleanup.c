// SPDX-License-Identifier: MIT
/*
 * Signal handlers only touch lock-free atomics and call async-signal-safe
 * functions (write, kill, _exit): the real teardown runs in the runner's
 * main thread, where it may allocate, log and wait.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "injector/cleanup.h"

#define MAX_PGIDS 64

static atomic_int stop_reason;
static atomic_int signal_count;
static atomic_int pgids[MAX_PGIDS];

static void say(const char *msg)
{
	ssize_t r = write(STDERR_FILENO, msg, strlen(msg));

	(void)r;
}

static void emergency_exit(int sig)
{
	for (int i = 0; i < MAX_PGIDS; i++) {
		int p = atomic_load(&pgids[i]);

		if (p > 0)
			kill(-p, SIGKILL);
	}
	say("cadet run: aborted; containers may be left behind: the next run removes them (or: runc list)\n");
	_exit(128 + sig);
}

static void on_signal(int sig)
{
	int n = atomic_fetch_add(&signal_count, 1) + 1;
	int expected = 0;

	if (sig == SIGALRM) {
		if (atomic_compare_exchange_strong(&stop_reason, &expected,
						   CLEANUP_DEADLINE)) {
			say("cadet run: hard deadline reached, stopping\n");
			/* A hanging teardown gets 30 s more, then we leave. */
			alarm(30);
			return;
		}
		emergency_exit(SIGALRM);
	}
	atomic_compare_exchange_strong(&stop_reason, &expected, sig);
	if (n == 1)
		say("\ncadet run: stopping: cleaning up containers and finishing the trace\n");
	else if (n == 2)
		say("\ncadet run: cleanup in progress; signal once more to abort without it\n");
	else
		emergency_exit(sig);
}

int cleanup_install(void)
{
	struct sigaction sa;
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: blocking waits return EINTR and look at the flag. */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

bool cleanup_stop_requested(void)
{
	return atomic_load(&stop_reason) != 0;
}

int cleanup_reason(void)
{
	return atomic_load(&stop_reason);
}

void cleanup_request_stop(void)
{
	int expected = 0;

	atomic_compare_exchange_strong(&stop_reason, &expected, SIGTERM);
}

void cleanup_arm_deadline(unsigned int seconds)
{
	alarm(seconds);
}

int cleanup_register_pgid(pid_t pgid)
{
	for (int i = 0; i < MAX_PGIDS; i++) {
		int expected = 0;

		if (atomic_compare_exchange_strong(&pgids[i], &expected, pgid))
			return 0;
	}
	return -ENOSPC;
}

void cleanup_unregister_pgid(pid_t pgid)
{
	for (int i = 0; i < MAX_PGIDS; i++) {
		int expected = pgid;

		atomic_compare_exchange_strong(&pgids[i], &expected, 0);
	}
}

int cleanup_exit_code(int code)
{
	int r = atomic_load(&stop_reason);

	if (r > 0)
		return 128 + r;
	return code;
}

void cleanup_block_signals(bool block)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

unsigned long long cleanup_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

int cleanup_sleep_until(unsigned long long deadline_ns)
{
	for (;;) {
		unsigned long long now = cleanup_now_ns(), step;
		struct timespec ts;

		if (cleanup_stop_requested())
			return -EINTR;
		if (now >= deadline_ns)
			return 0;
		step = deadline_ns - now;
		if (step > 100000000ull)
			step = 100000000ull;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)step;
		nanosleep(&ts, NULL);
	}
}
