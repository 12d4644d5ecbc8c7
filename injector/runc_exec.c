// SPDX-License-Identifier: MIT
/*
 * Processes in a running container: `runc exec` waited (output captured,
 * bounded by a timeout) or detached (reaped by us once it ends), and the
 * init's signals, state and exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "injector/launcher_docker.h"
#include "injector/runc_int.h"

struct outbuf {
	char *buf;
	size_t len, cap;
};

/* Append what @fd gives until EOF or @deadline_ms (0: none). */
static int read_all(int fd, struct outbuf *b, uint64_t deadline_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int tmo, r;
	ssize_t n;
	char *nb;

	for (;;) {
		if (b->len + 1 >= b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 4096;

			nb = realloc(b->buf, cap);
			if (!nb)
				return -ENOMEM;
			b->buf = nb;
			b->cap = cap;
		}
		b->buf[b->len] = '\0';
		tmo = -1;
		if (deadline_ms) {
			uint64_t now = now_ms();

			if (now >= deadline_ms)
				return -ETIMEDOUT;
			tmo = (int)(deadline_ms - now);
		}
		r = poll(&p, 1, tmo);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, b->buf + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		b->len += (size_t)n;
	}
}

static pid_t read_pid_file(const char *path)
{
	char buf[32];

	if (runc_read_small(path, buf, sizeof(buf)))
		return 0;
	return (pid_t)atoi(buf);
}

/* Reap background `runc exec`s that ended; @block: wait for all. */
void runc_reap_bg(struct container *c, int block)
{
	size_t i, j;
	int status;

	for (i = j = 0; i < c->bg_cnt; i++) {
		if (block)
			runc_wait_child(c->bg[i], RUNC_TIMEOUT_MS, &status);
		else if (waitpid(c->bg[i], &status, WNOHANG) == 0)
			c->bg[j++] = c->bg[i];
	}
	c->bg_cnt = j;
}

/*
 * A background `runc exec` (@pid) started its process once the pid file
 * names it. Returns 0 (and remembers @pid for reaping), runc's exit code
 * when it failed, or -errno.
 */
static int wait_started(struct container *c, pid_t pid, const char *pidfile,
			pid_t *xpid)
{
	uint64_t deadline = now_ms() + RUNC_TIMEOUT_MS;
	pid_t p, *bg;
	int status;

	runc_reap_bg(c, 0);
	for (;;) {
		p = read_pid_file(pidfile);
		if (p > 0)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			/* ended already: fine if it ran (pid file written) */
			p = read_pid_file(pidfile);
			if (p <= 0)
				return runc_exit_code(status)
					       ? runc_exit_code(status)
					       : -EIO;
			if (xpid)
				*xpid = p;
			return 0;
		}
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			runc_wait_child(pid, 0, &status);
			return -ETIMEDOUT;
		}
		usleep(2000);
	}
	if (xpid)
		*xpid = p;
	bg = realloc(c->bg, (c->bg_cnt + 1) * sizeof(*bg));
	if (!bg) {
		/* cannot track it: wait for it at once rather than leak */
		kill(p, SIGKILL);
		runc_wait_child(pid, 0, &status);
		return -ENOMEM;
	}
	c->bg = bg;
	c->bg[c->bg_cnt++] = pid;
	return 0;
}

/*
 * runc exec forwards no SIGKILL: kill the process that `runc exec` (our
 * child @runc) started. On a loaded machine a timeout can expire before
 * runc has written its pid file: wait for the file while runc runs
 * (without reaping runc), and kill runc itself only if it never comes.
 */
static void kill_exec(pid_t runc, const char *pidfile)
{
	uint64_t give_up = now_ms() + RUNC_TIMEOUT_MS;
	siginfo_t si;
	pid_t pid;

	for (;;) {
		pid = read_pid_file(pidfile);
		if (pid > 0) {
			kill(pid, SIGKILL);
			return;
		}
		memset(&si, 0, sizeof(si));
		if (!waitid(P_PID, runc, &si, WEXITED | WNOHANG | WNOWAIT) &&
		    si.si_pid == runc)
			return; /* runc ended: nothing left to kill */
		if (now_ms() >= give_up) {
			kill(runc, SIGKILL);
			return;
		}
		usleep(10 * 1000);
	}
}

#define EXEC_MAX_ARGS 128

/* `runc --log LOG exec --pid-file PIDFILE [options] ID argv...` */
static int exec_args(const struct container *c, const char *const *argv,
		     const struct container_exec_opts *o, const char *pidfile,
		     const char **args)
{
	const char *const *v;
	int n = 0;

	args[n++] = runc_bin();
	args[n++] = "--log";
	args[n++] = c->runc_log;
	args[n++] = "exec";
	args[n++] = "--pid-file";
	args[n++] = pidfile;
	if (o->cwd) {
		args[n++] = "--cwd";
		args[n++] = o->cwd;
	}
	for (v = o->env; v && *v && n < 100; v++) {
		args[n++] = "--env";
		args[n++] = *v;
	}
	for (v = o->caps_add; v && *v && n < 104; v++) {
		args[n++] = "--cap";
		args[n++] = *v;
	}
	args[n++] = c->id;
	for (v = argv; *v && n < EXEC_MAX_ARGS - 1; v++)
		args[n++] = *v;
	args[n] = NULL;
	if (*v) {
		fprintf(stderr, "container: exec: too many arguments\n");
		return -E2BIG;
	}
	if (c->verbose) {
		fprintf(stderr, "container:");
		for (v = args; *v; v++)
			fprintf(stderr, " %s", *v);
		fputc('\n', stderr);
	}
	return 0;
}

/*
 * Start `runc exec`: stdout into a pipe (*@pipe_rd) when captured, else
 * to the container's output, as stderr always is.
 */
static int exec_spawn(struct container *c, const char *const *args,
		      const struct container_exec_opts *o, int *pipe_rd,
		      pid_t *pid)
{
	int pipefd[2] = {-1, -1}, out_fd, err_fd, err;

	/* Detached processes too run under a `runc exec` of ours that
	 * stays until they end: runc then reaps them as their subreaper.
	 * With `runc exec --detach` they would be orphaned to the host's
	 * init, and a container's end would wait for that to reap them. */
	if (o->out && !o->detach) {
		if (pipe2(pipefd, O_CLOEXEC))
			return -errno;
		out_fd = pipefd[1];
	} else {
		out_fd = open(c->output,
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (out_fd < 0)
			return -errno;
	}
	/* stderr of the process (and runc's) to the container's output */
	err_fd = open(c->output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		      0644);
	err = runc_spawn(args, out_fd, err_fd >= 0 ? err_fd : out_fd, pid);
	if (err_fd >= 0)
		close(err_fd);
	close(out_fd);
	if (err && pipefd[0] >= 0)
		close(pipefd[0]);
	else
		*pipe_rd = pipefd[0];
	return err;
}

/* Read the output until EOF or @deadline; 1 when it timed out. */
static int exec_capture(int fd, pid_t runc, const char *pidfile,
			uint64_t deadline,
			const struct container_exec_opts *o)
{
	struct outbuf b = {0};
	int timed_out = 0;

	if (read_all(fd, &b, deadline) == -ETIMEDOUT) {
		timed_out = 1;
		kill_exec(runc, pidfile);
		/* what the killed process still had in the pipe */
		read_all(fd, &b, now_ms() + 2000);
	}
	close(fd);
	if (!b.buf)
		b.buf = strdup("");
	*o->out = b.buf;
	if (o->out_len)
		*o->out_len = b.len;
	return timed_out;
}

/* Wait for `runc exec` @pid until @deadline; 1 when it timed out. */
static int exec_bound(pid_t pid, const char *pidfile, uint64_t deadline)
{
	struct pollfd p = {.fd = pidfd_open(pid, 0), .events = POLLIN};
	int r;

	do {
		uint64_t now = now_ms();

		r = p.fd < 0 ? 1
			     : poll(&p, 1,
				    now < deadline ? (int)(deadline - now) : 0);
	} while (r < 0 && errno == EINTR);
	if (p.fd >= 0)
		close(p.fd);
	if (r == 0) {
		kill_exec(pid, pidfile);
		return 1;
	}
	return 0;
}

int container__exec(struct container *c, const char *const *argv,
		    const struct container_exec_opts *opts)
{
	struct container_exec_opts none = {.sz = sizeof(none)};
	const struct container_exec_opts *o = opts ? opts : &none;
	char pidfile[PATH_MAX + 32];
	const char *args[EXEC_MAX_ARGS];
	int pipe_rd = -1, err, status, timed_out = 0;
	uint64_t deadline = 0;
	static unsigned int seq;
	pid_t pid;

	if (!c || c->destroyed || !c->created || !argv || !argv[0])
		return -EINVAL;
	if (c->docker)
		return docker_ctr__exec(c->docker, argv, o);
	if (o->out)
		*o->out = NULL;
	snprintf(pidfile, sizeof(pidfile), "%s/exec-%d-%u.pid", c->bundle,
		 getpid(), __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	err = exec_args(c, argv, o, pidfile, args);
	if (!err)
		err = exec_spawn(c, args, o, &pipe_rd, &pid);
	if (err)
		return err;
	if (o->detach) {
		err = wait_started(c, pid, pidfile, o->pid);
		if (err > 0) {
			fprintf(stderr,
				"container: exec %s in %s failed (exit %d)\n",
				argv[0], c->id, err);
			runc_show_log(c);
			err = -EIO;
		}
		unlink(pidfile);
		return err;
	}
	if (o->timeout_ms)
		deadline = now_ms() + o->timeout_ms;
	if (pipe_rd >= 0)
		timed_out = exec_capture(pipe_rd, pid, pidfile, deadline, o);
	else if (deadline)
		timed_out = exec_bound(pid, pidfile, deadline);
	/* runc exec exits with the process: 128 + 9 after a timeout */
	err = runc_wait_child(pid, 0, &status);
	if (timed_out)
		fprintf(stderr,
			"container: exec %s in %s ran past %llu ms; killed\n",
			argv[0], c->id, (unsigned long long)o->timeout_ms);
	if (err)
		goto cleanup;
	if (o->pid)
		*o->pid = read_pid_file(pidfile);
	err = runc_exit_code(status);
cleanup:
	unlink(pidfile);
	return err;
}

int container__kill(struct container *c, int sig)
{
	char s[16];
	const char *const args[] = {"kill", c->id, s, NULL};

	if (!c->created || c->destroyed)
		return -EINVAL;
	if (c->docker)
		return docker_ctr__kill(c->docker, sig);
	snprintf(s, sizeof(s), "%d", sig);
	return runc_ok(c, args);
}

int container__running(struct container *c)
{
	const char *const args[] = {runc_bin(), "state", c->id, NULL};
	struct outbuf out = {0};
	const char *st;
	int fd, err, status, running = 0;
	json_t *doc;
	pid_t pid;

	if (!c->created || c->destroyed)
		return 0;
	if (c->docker)
		return docker_ctr__running(c->docker);
	fd = runc_spawn_piped(args, &pid);
	if (fd < 0)
		return fd;
	err = read_all(fd, &out, now_ms() + RUNC_TIMEOUT_MS);
	close(fd);
	runc_wait_child(pid, RUNC_TIMEOUT_MS, &status);
	if (!err && out.buf && runc_exit_code(status) == 0) {
		doc = json_loadb(out.buf, out.len, 0, NULL);
		st = json_string_value(json_object_get(doc, "status"));
		running = st && !strcmp(st, "running");
		json_decref(doc);
	}
	free(out.buf);
	return running;
}

int container__wait(struct container *c, uint64_t timeout_ms)
{
	struct pollfd p = {.events = POLLIN};
	int r;

	if (!c->created || c->destroyed || c->pid <= 0)
		return -EINVAL;
	p.fd = pidfd_open(c->pid, 0);
	if (p.fd < 0)
		return errno == ESRCH ? 0 : -errno;
	do {
		r = poll(&p, 1, timeout_ms ? (int)timeout_ms : -1);
	} while (r < 0 && errno == EINTR);
	close(p.fd);
	if (r == 0)
		return -ETIMEDOUT;
	return r < 0 ? -errno : 0;
}
