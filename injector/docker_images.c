// SPDX-License-Identifier: MIT
/*
 * Images and leftovers of the Docker launcher: the cached rootfs imported
 * once per rootfs and process (`docker import`, labeled cadet.owner) and
 * removed with its last container; what runs that are gone left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "injector/container.h"
#include "injector/docker_cli.h"
#include "injector/docker_images.h"

struct image {
	char rootfs[PATH_MAX];
	char tag[128];
	unsigned int refs;
};

static pthread_mutex_t images_lock = PTHREAD_MUTEX_INITIALIZER;
static struct image images[8];

/* `tar -C @rootfs -c . | docker import - @tag`. */
static int import_rootfs(const char *rootfs, const char *tag, int verbose)
{
	const char *tar[] = {"tar", "-C", rootfs, "-c", ".", NULL};
	char change[64];
	const char *imp[] = {"docker", "import", "--change", change,
			     "-",      tag,	 NULL};
	int p[2], err, st;
	pid_t tp, ip;

	snprintf(change, sizeof(change), "LABEL cadet.owner=%d", getpid());
	if (verbose)
		fprintf(stderr,
			"docker launcher: tar -C %s -c . | docker import - %s\n",
			rootfs, tag);
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	err = docker_cli_spawn(tar, -1, p[1], -1, &tp);
	if (err) {
		close(p[0]);
		close(p[1]);
		return err;
	}
	close(p[1]);
	{
		int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

		err = docker_cli_spawn(imp, p[0], devnull, -1, &ip);
		if (devnull >= 0)
			close(devnull);
	}
	close(p[0]);
	st = docker_cli_wait(tp, DOCKER_TIMEOUT_MS);
	if (err)
		return err;
	err = docker_cli_wait(ip, DOCKER_TIMEOUT_MS);
	if (err || st) {
		fprintf(stderr,
			"docker launcher: cannot import %s as image %s (tar exit %d, docker exit %d); is dockerd running (DOCKER_HOST)?\n",
			rootfs, tag, st, err);
		return -EIO;
	}
	return 0;
}

int docker_image_get(const char *rootfs, char *tag, size_t tag_sz, int verbose)
{
	struct image *free_slot = NULL;
	int err = 0;

	pthread_mutex_lock(&images_lock);
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		if (images[i].refs && !strcmp(images[i].rootfs, rootfs)) {
			images[i].refs++;
			snprintf(tag, tag_sz, "%s", images[i].tag);
			goto unlock;
		}
		if (!images[i].refs && !free_slot)
			free_slot = &images[i];
	}
	if (!free_slot) {
		err = -ENOSPC;
		goto unlock;
	}
	{
		const char *base = strrchr(rootfs, '/');

		snprintf(free_slot->tag, sizeof(free_slot->tag),
			 "cadet-%s-%d:run",
			 base && base[1] ? base + 1 : "rootfs", getpid());
	}
	err = import_rootfs(rootfs, free_slot->tag, verbose);
	if (!err) {
		snprintf(free_slot->rootfs, sizeof(free_slot->rootfs), "%s",
			 rootfs);
		free_slot->refs = 1;
		snprintf(tag, tag_sz, "%s", free_slot->tag);
	}
unlock:
	pthread_mutex_unlock(&images_lock);
	return err;
}

void docker_image_put(const char *tag, int verbose)
{
	pthread_mutex_lock(&images_lock);
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		const char *rmi[] = {"docker", "rmi", "-f", tag, NULL};

		if (!images[i].refs || strcmp(images[i].tag, tag))
			continue;
		if (--images[i].refs == 0)
			docker_cli_run(rmi, NULL, 0, verbose);
		break;
	}
	pthread_mutex_unlock(&images_lock);
}

/* What crashed runs left. */

static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	return remove(path) && errno != ENOENT ? -errno : 0;
}

void docker_state_dir_remove(const char *dir)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The state dir of container @name ("" or a path: nothing). */
static void remove_state_dir(const char *name)
{
	char dir[PATH_MAX];

	if (!*name || strchr(name, '/') || name[0] == '.')
		return;
	snprintf(dir, sizeof(dir), CONTAINER_STATE_DIR "/%s", name);
	docker_state_dir_remove(dir);
}

/* A "cadet.owner" pid that is gone, or is no cadet any more. */
static int owner_gone(const char *owner)
{
	char path[64], comm[32] = "";
	int pid = atoi(owner);
	FILE *f;

	if (pid <= 0)
		return 0;
	if (pid == getpid())
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return 1;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return strncmp(comm, "cadet", 5) != 0;
}

/*
 * Remove the containers, then the images, whose cadet.owner label names
 * a run that is gone (killed by a third signal or SIGKILL). Once per
 * process, before its first container.
 */
void docker_cleanup_stale(int verbose)
{
	static const char *const kinds[][2] = {
		{"ps", "{{.ID}} {{.Names}} {{.Label \"cadet.owner\"}}"},
		{"images", "{{.ID}} {{.Repository}}:{{.Tag}}"},
	};
	static int done;
	char out[8192], *line, *save;

	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return;
	for (size_t k = 0; k < 2; k++) {
		const char *ls[] = {"docker",
				    kinds[k][0],
				    "-a",
				    "--filter",
				    "label=cadet.owner",
				    "--format",
				    kinds[k][1],
				    NULL};

		if (docker_cli_run(ls, out, sizeof(out), verbose))
			return;
		for (line = strtok_r(out, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *arg = strchr(line, ' '), lab[32] = "", *sp;
			const char *insp[] = {
				"docker",
				"inspect",
				"-f",
				"{{index .Config.Labels \"cadet.owner\"}}",
				line,
				NULL};

			if (!arg)
				continue;
			*arg++ = '\0';
			sp = strchr(arg, ' ');
			if (sp)
				*sp++ = '\0';
			if (k == 0)
				snprintf(lab, sizeof(lab), "%s", sp ? sp : "");
			else if (docker_cli_run(insp, lab, sizeof(lab),
						verbose))
				continue;
			if (!owner_gone(lab))
				continue;
			fprintf(stderr,
				"docker launcher: removing %s %s of a run that is gone (pid %d)\n",
				k ? "image" : "container", k ? arg : line,
				atoi(lab));
			{
				const char *rm[] = {"docker", k ? "rmi" : "rm",
						    "-f", line, NULL};

				docker_cli_run(rm, NULL, 0, verbose);
			}
			if (k == 0)
				remove_state_dir(arg);
		}
	}
}
