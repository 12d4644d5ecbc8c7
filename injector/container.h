/* SPDX-License-Identifier: MIT */
/*
 * Real containers through runc: an OCI bundle per container, written
 * here (config.json with jansson), on an overlay of the cached Debian
 * root filesystem (injector/mkrootfs.sh) so containers never modify the
 * cache.
 *
 * Layout of one container with id ID:
 *   /run/cadet/ID/               bundle: config.json, init.pid,
 *                                output.log (init's stdout+stderr),
 *                                runc.log (runc's own messages),
 *                                owner ("pid starttime" of the creator)
 *   /run/cadet/ID/rootfs         overlay (lower = cache, read-only)
 *   /run/cadet/ID/upper, work    overlay upper and work dirs
 *   cgroup "/cadet/ID"           v2: /sys/fs/cgroup/unified/cadet/ID
 *                                v1: /sys/fs/cgroup/<ctrl>/cadet/ID
 *   runc state                   /run/runc/ID (runc's default root)
 *
 * HowTo:
 *   const char *argv[] = { "sh", "-c", "echo hi; sleep 30", NULL };
 *   struct container_opts o = { .sz = sizeof(o), .name = "web",
 *                               .argv = argv, .memory_max = 256 << 20,
 *                               .pids_max = 256 };
 *   struct container *c = container__create(&o);   NULL + errno
 *   container__start(c);                            runs argv
 *   container__exec(c, cmd, NULL);                  waits, exit status
 *   container__destroy(c);                          kill, delete, unmount
 *   container__free(c);                             destroy + free
 *
 * Everything needs root. All functions print what went wrong to stderr
 * (with runc's own message) besides returning -errno. The runc binary
 * is "runc" from PATH, or $CADET_RUNC; the default image is $CADET_ROOTFS
 * or `injector/mkrootfs.sh --print-path` run from the current directory.
 */
#ifndef CADET_INJECTOR_CONTAINER_H
#define CADET_INJECTOR_CONTAINER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONTAINER_STATE_DIR "/run/cadet"
#define CONTAINER_CGROUP_PARENT "/cadet"
#define CONTAINER_ID_PREFIX "cadet-"

enum container_net {
	CONTAINER_NET_LOOPBACK = 0,     /* own netns, only lo (up) */
	CONTAINER_NET_JOIN,             /* join opts->netns_path */
	CONTAINER_NET_HOST,             /* host netns: avoid, for tests */
};

struct container_mount {
	const char *source;             /* host path (file or directory) */
	const char *dest;               /* absolute path in the container */
	int readonly;
};

struct container_opts {
	size_t sz;
	const char *name;               /* "cadet.name" annotation; "c" */
	const char *id_prefix;          /* default CONTAINER_ID_PREFIX */
	const char *rootfs;             /* image dir; default: mkrootfs.sh
					 * --print-path (must be built) */
	const char *const *argv;        /* NULL-ended; default sleep forever */
	const char *const *env;         /* "K=V", NULL-ended; added to PATH */
	const char *cwd;                /* default "/" */
	const char *hostname;           /* default the name */
	uint64_t memory_max;            /* bytes; 0 = no limit */
	double cpus;                    /* CPU quota in CPUs; 0 = no limit */
	int64_t pids_max;               /* 0 = no limit */
	enum container_net net;
	const char *netns_path;         /* CONTAINER_NET_JOIN: e.g.
					 * container__netns_path(other) */
	const struct container_mount *mounts;
	size_t mount_cnt;
	const char *const *annotations; /* "key=value", NULL-ended */
	const char *const *caps_add;    /* "CAP_X", NULL-ended, beyond the
					 * default (docker's default set) */
	int no_new_privs;               /* set no_new_privileges */
	const char *output;             /* file for the process's stdout and
					 * stderr; default ID dir/output.log */
	const char *state_dir;          /* default CONTAINER_STATE_DIR */
	int verbose;                    /* print each runc command */
	/* "runc" (default) or "docker" (injector/launcher_docker.h: the
	 * daemon of $DOCKER_HOST; no overlay, rootfs imported as image). */
	const char *launcher;
	/* Called with the runtime's id once known, before the container's
	 * cgroup exists (docker's ids are its own). */
	void (*on_id)(const char *id, void *ctx);
	void *on_id_ctx;
};

struct container;

/*
 * container__create() - write the bundle, mount the overlay and
 * `runc create` the container: its init is stopped before argv, its
 * cgroup exists (so a recorder can learn its cgroup id before anything
 * runs). Returns NULL and sets errno on failure, leaving nothing behind.
 */
struct container *container__create(const struct container_opts *opts);
/* `runc start`: argv begins to run. */
int container__start(struct container *c);

struct container_exec_opts {
	size_t sz;
	const char *const *env;         /* "K=V", NULL-ended */
	const char *cwd;
	int detach;                     /* return once started */
	char **out;                     /* waited: stdout captured here
					 * (malloc'd, NUL-ended; read to EOF,
					 * so a daemon keeping stdout open
					 * holds it: use timeout_ms); NULL:
					 * to the container's output */
	size_t *out_len;
	pid_t *pid;                     /* host pid of the started process */
	uint64_t timeout_ms;            /* waited: SIGKILL the process after
					 * this; 0 = no limit */
	const char *const *caps_add;    /* extra capabilities for this one */
};

/*
 * container__exec() - `runc exec` @argv in the container. Waited: returns
 * the exit status (0..255, 128 + signal number when killed; 127 or 255
 * when runc could not start it). Detached: returns 0 once the process
 * runs (its pid in opts->pid); its output goes to the container's; it
 * ends with the container at the latest. -errno when it could not be
 * started. stderr always goes to the container's output.
 */
int container__exec(struct container *c, const char *const *argv,
		    const struct container_exec_opts *opts);
/* Signal the container's init (`runc kill`). */
int container__kill(struct container *c, int sig);
/* 1 running, 0 created, stopped or gone; -errno on error. */
int container__running(struct container *c);
/*
 * Wait up to @timeout_ms (0: forever) for the init process to exit.
 * Returns 0 once it has (its exit status is not ours to collect: runc
 * detaches it from us), -ETIMEDOUT.
 */
int container__wait(struct container *c, uint64_t timeout_ms);

const char *container__id(const struct container *c);
const char *container__name(const struct container *c);
/* Host pid of the container's init process. */
pid_t container__pid(const struct container *c);
/* Absolute path of the v2 cgroup, "/sys/fs/cgroup/unified/cadet/ID". */
const char *container__cgroup_path(const struct container *c);
/* Cgroup id (= bpf_get_current_cgroup_id() inside it); 0 if unknown. */
uint64_t container__cgroup_id(const struct container *c);
/* "/proc/PID/ns/net" of the init: for CONTAINER_NET_JOIN. */
const char *container__netns_path(const struct container *c);
/* The merged root filesystem as the host sees it. */
const char *container__rootfs_path(const struct container *c);
/* Where the init's stdout/stderr go. */
const char *container__output_path(const struct container *c);

/*
 * container__destroy() - kill and delete the container, unmount its
 * overlay, remove its bundle and temp files. Safe to call twice, on a
 * half-created container and from cleanup paths (atexit, after a
 * signal); not from a signal handler itself (it runs runc): set a flag
 * there and destroy from the main loop.
 */
int container__destroy(struct container *c);
/* Destroy, then free. NULL is fine. */
void container__free(struct container *c);

/*
 * container__cleanup_stale() - remove what crashed runs left behind:
 * runc containers whose id starts with @prefix (NULL: the default) and
 * whose creating process is gone, their mounts, bundle directories under
 * the state dir and empty cgroups under /cadet. Containers of live
 * processes are left alone. Returns the number removed or -errno.
 */
int container__cleanup_stale(const char *prefix);

#endif
