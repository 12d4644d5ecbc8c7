/* SPDX-License-Identifier: MIT */
/*
 * Inside the runc launcher (injector/container.h): the container's state
 * and the steps its files share. Not an API.
 *
 *   injector/runc_container.c   create, start, destroy, stale cleanup
 *   injector/runc_exec.c        exec, kill, state, wait
 *   injector/runc_process.c     running runc and other programs
 *   injector/runc_files.c       bundle files and the overlay root
 *   injector/oci_config.c       the bundle's config.json
 */
#ifndef CADET_INJECTOR_RUNC_INT_H
#define CADET_INJECTOR_RUNC_INT_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#include "injector/container.h"

#define RUNC_DEFAULT "runc"
#define RUNC_STATE_ROOT "/run/runc"
#define ROOTFS_MARKER ".cadet-rootfs"
/* runc create/start/delete take well under a second here; this bounds a
 * hung runc so cleanup still happens. */
#define RUNC_TIMEOUT_MS 60000
#define MAX_ID 64
#define CPU_PERIOD_US 100000
#define NOFILE_LIMIT 1024
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct container {
	char id[MAX_ID + 1];
	char name[MAX_ID + 1];
	char bundle[PATH_MAX / 2];
	char rootfs[PATH_MAX]; /* overlay mount point */
	char lower[PATH_MAX];
	char output[PATH_MAX];
	char runc_log[PATH_MAX];
	char cgroup_path[PATH_MAX]; /* v2, absolute */
	char netns[64];
	uint64_t cgroup_id;
	pid_t pid;
	pid_t *bg; /* background `runc exec`s */
	size_t bg_cnt;
	int verbose;
	int created; /* runc knows it */
	int mounted;
	int destroyed;
	struct docker_ctr *docker; /* launcher docker: it runs the container */
};

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* injector/runc_process.c */
/* "runc" from PATH, or $CADET_RUNC. */
const char *runc_bin(void);
/* Start @argv: stdin /dev/null, stdout/stderr to the fds (-1: /dev/null). */
int runc_spawn(const char *const *argv, int out_fd, int err_fd, pid_t *pid);
/* The same with stdout into a pipe: its read end, or -errno. */
int runc_spawn_piped(const char *const *argv, pid_t *pid);
/* Exit status as a shell reports it: 0..255, 128 + signal. */
int runc_exit_code(int status);
/*
 * Wait for our child @pid up to @timeout_ms (0: forever). On timeout the
 * child is killed and reaped, and -ETIMEDOUT returned.
 */
int runc_wait_child(pid_t pid, uint64_t timeout_ms, int *status);
/* Print the last lines of runc's log: its explanation of a failure. */
void runc_show_log(const struct container *c);
/*
 * Run `runc --log LOG <args...>` and wait. stdout/stderr go to @out_fd
 * (-1: runc's log). Returns runc's exit code (0 = success) or -errno.
 */
int runc_run(struct container *c, const char *const *args, int out_fd,
	     uint64_t timeout_ms);
/* `runc <args>` that must succeed: explains failures. 0 or -EIO. */
int runc_ok(struct container *c, const char *const *args);
/* The 22nd field of /proc/PID/stat: start time, tells a reused pid apart. */
unsigned long long runc_proc_start(pid_t pid);
/* The process that created a bundle (its "owner" file) still runs. */
int runc_owner_alive(const char *bundle);
/*
 * The image the default mkrootfs.sh package list names: CADET_ROOTFS, or
 * what `injector/mkrootfs.sh --print-path` prints.
 */
int runc_default_rootfs(char *out, size_t sz);

/* injector/runc_files.c */
int runc_write_file(const char *path, const char *data, mode_t mode);
int runc_read_small(const char *path, char *buf, size_t sz);
/*
 * Remove a directory tree without leaving its file system: a still
 * mounted overlay (or anything else) below it is never descended into.
 */
int runc_rm_tree(const char *path);
/* Overlay of c->lower on c->rootfs, upper and work in the bundle. */
int runc_mount_overlay(struct container *c);
int runc_unmount_rootfs(const char *rootfs);

/* injector/runc_exec.c */
/* Reap background `runc exec`s that ended; @block: wait for all. */
void runc_reap_bg(struct container *c, int block);

/* injector/oci_config.c */
/* config.json of the OCI runtime spec 1.0, as runc 1.1 reads it. */
json_t *oci_config_build(const struct container *c,
			 const struct container_opts *o);

#endif /* CADET_INJECTOR_RUNC_INT_H */
