// SPDX-License-Identifier: MIT
/*
 * Scenario containers on Docker through the docker CLI (see
 * launcher_docker.h). The CLI rather than the Engine API: `docker import`
 * and `docker exec` with its output are one command each, and the CLI
 * already honours DOCKER_HOST and the user's docker config. Running the
 * CLI is docker_cli.c's, images and leftovers docker_images.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "injector/docker_cli.h"
#include "injector/docker_images.h"
#include "injector/launcher_docker.h"
#include "lib/util/cgroup.h"
#include "recorder/container_table.h"
#include "recorder/discovery.h"

#define GATE_DIR "/.cadet"
#define MAX_ARGS 160

struct docker_ctr {
	char id[65];
	char name[80]; /* docker's --name: the run's id */
	char dir[PATH_MAX / 2]; /* state dir, mounted at GATE_DIR */
	char image[128];
	char cgroup_path[PATH_MAX];
	pid_t pid;
	pid_t *bg; /* detached `docker exec`s */
	size_t bg_cnt;
	unsigned int seq;
	int verbose;
	int destroyed;
};

/* ---- the container ---- */

/* The init's v2 cgroup: "0::<rel>" of /proc/PID/cgroup under the mount. */
static int init_cgroup(struct docker_ctr *d)
{
	struct container_table_opts to = {.sz = sizeof(to)};
	struct container_table *t;
	char path[64], line[PATH_MAX];
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", d->pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	t = container_table__new(&to);
	while (t && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(d->cgroup_path, sizeof(d->cgroup_path), "%s%s",
			 container_table__cgroup_root(t), line + 3);
		err = 0;
	}
	container_table__free(t);
	fclose(f);
	return err;
}

static int add_arg(const char **args, int *n, const char *a)
{
	if (*n >= MAX_ARGS - 1)
		return -E2BIG;
	args[(*n)++] = a;
	args[*n] = NULL;
	return 0;
}

/* -w CWD and -e K=V of docker create and docker exec. */
static void add_cwd_env(const char **args, int *n, const char *cwd,
			const char *const *env)
{
	if (cwd) {
		add_arg(args, n, "-w");
		add_arg(args, n, cwd);
	}
	for (size_t i = 0; env && env[i]; i++) {
		add_arg(args, n, "-e");
		add_arg(args, n, env[i]);
	}
}

struct docker_ctr *docker_ctr__create(const struct container_opts *o,
				      struct docker_facts *f)
{
	char mem[32], cpus[32], pids[32], gate[PATH_MAX], out[256];
	char labels[16][256], mounts[8][PATH_MAX + 80], caps[16][64];
	const char *args[MAX_ARGS];
	const char *state = o->state_dir ? o->state_dir : CONTAINER_STATE_DIR;
	struct docker_ctr *d;
	int n = 0, err = 0, nl = 0, fd;
	char *end;

	if (!o->rootfs) {
		fprintf(stderr,
			"docker launcher: no root filesystem given to import\n");
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->verbose = o->verbose;
	docker_cleanup_stale(d->verbose);
	snprintf(d->name, sizeof(d->name), "%s%s-%d-%lx",
		 o->id_prefix ? o->id_prefix : CONTAINER_ID_PREFIX,
		 o->name ? o->name : "c", getpid(),
		 (long)docker_cli_now_ms() & 0xffffff);
	if (mkdir(state, 0700) && errno != EEXIST) {
		err = -errno;
		goto cleanup;
	}
	snprintf(d->dir, sizeof(d->dir), "%s/%s", state, d->name);
	if (mkdir(d->dir, 0700)) {
		err = -errno;
		fprintf(stderr, "docker launcher: cannot create %s: %s\n",
			d->dir, strerror(errno));
		goto cleanup;
	}
	snprintf(gate, sizeof(gate), "%s/owner", d->dir);
	fd = open(gate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, f->owner, strlen(f->owner)) < 0) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		goto cleanup;
	}
	close(fd);
	snprintf(gate, sizeof(gate), "%s/go", d->dir);
	if (mkfifo(gate, 0600)) {
		err = -errno;
		goto cleanup;
	}
	snprintf(f->output, sizeof(f->output), "%s/output.log", d->dir);
	err = docker_image_get(o->rootfs, d->image, sizeof(d->image),
			       d->verbose);
	if (err)
		goto cleanup;

	add_arg(args, &n, "docker");
	add_arg(args, &n, "create");
	add_arg(args, &n, "--name");
	add_arg(args, &n, d->name);
	add_arg(args, &n, "--network");
	add_arg(args, &n, o->net == CONTAINER_NET_HOST ? "host" : "none");
	add_arg(args, &n, "--hostname");
	add_arg(args, &n, o->hostname ? o->hostname : d->name + 0);
	if (o->memory_max) {
		/* no swap beyond the limit, as the runc bundle sets */
		snprintf(mem, sizeof(mem), "%llub",
			 (unsigned long long)o->memory_max);
		add_arg(args, &n, "--memory");
		add_arg(args, &n, mem);
		add_arg(args, &n, "--memory-swap");
		add_arg(args, &n, mem);
	}
	if (o->cpus > 0) {
		snprintf(cpus, sizeof(cpus), "%g", o->cpus);
		add_arg(args, &n, "--cpus");
		add_arg(args, &n, cpus);
	}
	if (o->pids_max > 0) {
		snprintf(pids, sizeof(pids), "%lld", (long long)o->pids_max);
		add_arg(args, &n, "--pids-limit");
		add_arg(args, &n, pids);
	}
	if (o->no_new_privs) {
		add_arg(args, &n, "--security-opt");
		add_arg(args, &n, "no-new-privileges");
	}
	for (size_t i = 0; o->caps_add && o->caps_add[i] && i < 16; i++) {
		const char *c = o->caps_add[i];

		snprintf(caps[i], sizeof(caps[i]), "%s",
			 strncmp(c, "CAP_", 4) ? c : c + 4);
		add_arg(args, &n, "--cap-add");
		add_arg(args, &n, caps[i]);
	}
	snprintf(labels[nl], sizeof(labels[nl]), "cadet.name=%s",
		 o->name ? o->name : "c");
	add_arg(args, &n, "--label");
	add_arg(args, &n, labels[nl++]);
	snprintf(labels[nl], sizeof(labels[nl]), "cadet.owner=%d", getpid());
	add_arg(args, &n, "--label");
	add_arg(args, &n, labels[nl++]);
	for (size_t i = 0; o->annotations && o->annotations[i] && nl < 16;
	     i++) {
		snprintf(labels[nl], sizeof(labels[nl]), "%s",
			 o->annotations[i]);
		add_arg(args, &n, "--label");
		add_arg(args, &n, labels[nl++]);
	}
	snprintf(mounts[0], sizeof(mounts[0]), "%s:" GATE_DIR, d->dir);
	add_arg(args, &n, "-v");
	add_arg(args, &n, mounts[0]);
	for (size_t i = 0; i < o->mount_cnt && i < 7; i++) {
		snprintf(mounts[i + 1], sizeof(mounts[i + 1]), "%s:%s%s",
			 o->mounts[i].source, o->mounts[i].dest,
			 o->mounts[i].readonly ? ":ro" : "");
		add_arg(args, &n, "-v");
		add_arg(args, &n, mounts[i + 1]);
	}
	add_cwd_env(args, &n, o->cwd, o->env);
	add_arg(args, &n, "--entrypoint");
	add_arg(args, &n, "/bin/sh");
	add_arg(args, &n, d->image);
	/* Held until start: the read of a shell builtin, then exec. */
	add_arg(args, &n, "-c");
	add_arg(args, &n, "read _ < " GATE_DIR "/go; exec \"$@\"");
	add_arg(args, &n, "sh");
	if (o->argv) {
		for (size_t i = 0; o->argv[i]; i++)
			err = err ?: add_arg(args, &n, o->argv[i]);
	} else {
		add_arg(args, &n, "sleep");
		err = add_arg(args, &n, "infinity");
	}
	if (err)
		goto cleanup;
	err = docker_cli_run(args, out, sizeof(out), d->verbose);
	if (err) {
		fprintf(stderr, "docker launcher: docker create %s failed\n",
			d->name);
		err = err > 0 ? -EIO : err;
		goto cleanup;
	}
	out[strcspn(out, "\n")] = '\0';
	snprintf(d->id, sizeof(d->id), "%.64s", out);
	/* The id is known before the cgroup exists: a recorder can be told
	 * to take it before anything runs in it. */
	if (o->on_id)
		o->on_id(d->id, o->on_id_ctx);
	{
		const char *start[] = {"docker", "start", d->id, NULL};

		err = docker_cli_run(start, NULL, 0, d->verbose);
		if (err) {
			err = err > 0 ? -EIO : err;
			goto cleanup;
		}
	}
	{
		const char *insp[] = {"docker",		"inspect", "-f",
				      "{{.State.Pid}}", d->id,	   NULL};

		err = docker_cli_run(insp, out, sizeof(out), d->verbose);
	}
	d->pid = (pid_t)strtol(out, &end, 10);
	if (err || d->pid <= 0) {
		fprintf(stderr, "docker launcher: %s has no running init\n",
			d->name);
		err = -EIO;
		goto cleanup;
	}
	err = init_cgroup(d);
	if (err) {
		fprintf(stderr,
			"docker launcher: no cgroup v2 directory for %s\n",
			d->name);
		goto cleanup;
	}
	memcpy(f->id, d->id, sizeof(f->id));
	f->pid = d->pid;
	snprintf(f->cgroup_path, sizeof(f->cgroup_path), "%s", d->cgroup_path);
	if (util_cgroup_id(d->cgroup_path, &f->cgroup_id))
		f->cgroup_id = 0;
	return d;
cleanup:
	docker_ctr__free(d);
	errno = -err;
	return NULL;
}

int docker_ctr__start(struct docker_ctr *d)
{
	char gate[PATH_MAX];
	int fd;

	snprintf(gate, sizeof(gate), "%s/go", d->dir);
	/* The init is blocked reading: a writer never waits. */
	fd = open(gate, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr,
			"docker launcher: %s is not waiting to start: %s\n",
			d->name, strerror(errno));
		return -errno;
	}
	if (write(fd, "go\n", 3) != 3) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

/* The host pid of the process whose pid in the container is @nspid. */
static pid_t host_pid(const struct docker_ctr *d, pid_t nspid)
{
	char path[PATH_MAX + 16], line[256];
	pid_t found = 0;
	FILE *procs, *st;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", d->cgroup_path);
	procs = fopen(path, "re");
	if (!procs)
		return 0;
	while (!found && fscanf(procs, "%d", &pid) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		st = fopen(path, "re");
		while (st && fgets(line, sizeof(line), st)) {
			char *last;

			if (strncmp(line, "NSpid:", 6))
				continue;
			line[strcspn(line, "\n")] = '\0';
			last = strrchr(line, '\t');
			if (last && atoi(last + 1) == nspid)
				found = pid;
			break;
		}
		if (st)
			fclose(st);
	}
	fclose(procs);
	return found;
}

/* The pid the wrapper wrote, on the host; 0 while not written. */
static pid_t read_exec_pid(const struct docker_ctr *d, const char *pidfile)
{
	char buf[32] = "";
	FILE *f = fopen(pidfile, "re");
	pid_t ns;

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	ns = (pid_t)atoi(buf);
	return ns > 0 ? host_pid(d, ns) : 0;
}

int docker_ctr__exec(struct docker_ctr *d, const char *const *argv,
		     const struct container_exec_opts *o)
{
	static const char wrapper[] = "echo $$ > \"$0\"; exec \"$@\"";
	char pidfile[PATH_MAX], inner[128], output[PATH_MAX + 16];
	const char *args[MAX_ARGS];
	int n = 0, err = 0, pfd[2] = {-1, -1}, out_fd, err_fd;
	uint64_t deadline = 0;
	pid_t pid, xpid = 0;
	char *buf = NULL;
	size_t len = 0;

	if (d->destroyed)
		return -EINVAL;
	if (o->out)
		*o->out = NULL;
	d->seq++;
	snprintf(pidfile, sizeof(pidfile), "%s/exec-%u.pid", d->dir, d->seq);
	snprintf(inner, sizeof(inner), GATE_DIR "/exec-%u.pid", d->seq);
	snprintf(output, sizeof(output), "%s/output.log", d->dir);
	add_arg(args, &n, "docker");
	add_arg(args, &n, "exec");
	add_cwd_env(args, &n, o->cwd, o->env);
	add_arg(args, &n, d->id);
	add_arg(args, &n, "/bin/sh");
	add_arg(args, &n, "-c");
	add_arg(args, &n, wrapper);
	add_arg(args, &n, inner);
	for (size_t i = 0; argv[i]; i++)
		err = err ?: add_arg(args, &n, argv[i]);
	if (err)
		return err;
	if (d->verbose)
		docker_cli_print(args);

	err_fd = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (o->out && !o->detach) {
		if (pipe2(pfd, O_CLOEXEC)) {
			err = -errno;
			goto cleanup;
		}
		out_fd = pfd[1];
	} else {
		out_fd = err_fd;
	}
	err = docker_cli_spawn(args, -1, out_fd, err_fd, &pid);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (err)
		goto cleanup;

	if (o->detach) {
		uint64_t until = docker_cli_now_ms() + DOCKER_TIMEOUT_MS;
		pid_t *bg;

		while (!(xpid = read_exec_pid(d, pidfile))) {
			if (waitpid(pid, NULL, WNOHANG) == pid ||
			    docker_cli_now_ms() > until) {
				fprintf(stderr,
					"docker launcher: exec %s in %s did not start\n",
					argv[0], d->name);
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
				err = -EIO;
				goto cleanup;
			}
			usleep(2000);
		}
		if (o->pid)
			*o->pid = xpid;
		bg = realloc(d->bg, (d->bg_cnt + 1) * sizeof(*bg));
		if (bg) {
			d->bg = bg;
			d->bg[d->bg_cnt++] = pid;
		}
		goto cleanup;
	}
	if (o->timeout_ms)
		deadline = docker_cli_now_ms() + o->timeout_ms;
	if (pfd[0] >= 0) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		FILE *m = open_memstream(&buf, &len);

		for (;;) {
			char tmp[4096];
			uint64_t now = docker_cli_now_ms();
			ssize_t r;
			int pr;

			pr = poll(&p, 1,
				  !deadline	   ? 1000
				  : now < deadline ? (int)(deadline - now)
						   : 0);
			if (pr == 0 && deadline &&
			    docker_cli_now_ms() >= deadline) {
				/* the CLI forwards no SIGKILL: the process */
				xpid = read_exec_pid(d, pidfile);
				if (xpid > 0)
					kill(xpid, SIGKILL);
				fprintf(stderr,
					"docker launcher: exec %s in %s ran past %llu ms; killed\n",
					argv[0], d->name,
					(unsigned long long)o->timeout_ms);
				deadline = 0;
				continue;
			}
			if (pr <= 0)
				continue;
			r = read(pfd[0], tmp, sizeof(tmp));
			if (r <= 0)
				break;
			if (m)
				fwrite(tmp, 1, (size_t)r, m);
		}
		if (m)
			fclose(m);
		*o->out = buf ? buf : strdup("");
		if (o->out_len)
			*o->out_len = len;
	} else if (deadline) {
		int fd = pidfd_open(pid, 0);
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (fd >= 0 && poll(&p, 1, (int)o->timeout_ms) == 0) {
			xpid = read_exec_pid(d, pidfile);
			if (xpid > 0)
				kill(xpid, SIGKILL);
		}
		if (fd >= 0)
			close(fd);
	}
	if (o->pid)
		*o->pid = read_exec_pid(d, pidfile);
	err = docker_cli_wait(pid, 0);
cleanup:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (err_fd >= 0)
		close(err_fd);
	unlink(pidfile);
	return err;
}

int docker_ctr__kill(struct docker_ctr *d, int sig)
{
	char s[16];
	const char *args[] = {"docker", "kill", "-s", s, d->id, NULL};

	if (d->destroyed)
		return -EINVAL;
	snprintf(s, sizeof(s), "%d", sig);
	return docker_cli_run(args, NULL, 0, d->verbose) ? -EIO : 0;
}

int docker_ctr__running(struct docker_ctr *d)
{
	const char *args[] = {"docker", "inspect", "-f", "{{.State.Running}}",
			      d->id,	NULL};
	char out[32];

	if (d->destroyed || docker_cli_run(args, out, sizeof(out), 0))
		return 0;
	return !strncmp(out, "true", 4);
}

int docker_ctr__destroy(struct docker_ctr *d)
{
	const char *rm[] = {"docker", "rm", "-f", "-v", d->name, NULL};
	int err = 0;

	if (!d || d->destroyed)
		return 0;
	/* By name: a container whose `docker run` failed half-way too. */
	if (d->image[0]) {
		err = docker_cli_run(rm, NULL, 0, d->verbose);
		if (err > 0 && !d->id[0])
			err = 0; /* never created */
		docker_image_put(d->image, d->verbose);
	}
	for (size_t i = 0; i < d->bg_cnt; i++)
		docker_cli_wait(d->bg[i], 5000);
	d->bg_cnt = 0;
	if (d->dir[0])
		docker_state_dir_remove(d->dir);
	d->destroyed = 1;
	return err > 0 ? -EIO : err;
}

void docker_ctr__free(struct docker_ctr *d)
{
	if (!d)
		return;
	docker_ctr__destroy(d);
	free(d->bg);
	free(d);
}
