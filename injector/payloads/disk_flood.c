// SPDX-License-Identifier: MIT
/*
 * disk_flood: sustained bulk writes into the container's writable layer.
 *
 * Files of --file-size are written in 1 MiB blocks of pseudo-random data
 * at --rate bytes per second into a private directory under --dir and
 * synced; when the files on disk reach --max the oldest is deleted before
 * the next is started, so the disk use stays bounded while the write rate
 * holds for the whole window. --max is also kept below half of the free
 * space of that file system. Everything is deleted at the end. The trace
 * shows the target's write_bytes per interval jump.
 */
#include "payload.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

static const char usage[] =
	"Writes files at a rate, keeping at most --max on disk.\n"
	"  --rate=SIZE       bytes per second (default 32M, cap 1G)\n"
	"  --max=SIZE        bytes on disk at most (default 256M, hard cap 4G\n"
	"                    and half the free space)\n"
	"  --file_size=SIZE  size of each file (default 32M, 1M..1G)\n"
	"  --dir=PATH        parent directory (default /tmp, then /var/tmp)\n";

static const char *const keys[] = { "rate", "max", "file_size", "dir", NULL };

#define BLOCK (1u << 20)
#define MAX_FILES 4096

static char dir[256];
static unsigned long first_file, next_file;

static void file_name(char *buf, size_t len, unsigned long n)
{
	snprintf(buf, len, "%s/flood-%06lu.dat", dir, n);
}

/* Async-signal-safe: unlink and rmdir only. */
static void cleanup(void)
{
	char path[320];

	for (unsigned long n = first_file; n < next_file; n++) {
		file_name(path, sizeof(path), n);
		unlink(path);
	}
	if (dir[0])
		rmdir(dir);
}

static int make_dir(const char *parent)
{
	snprintf(dir, sizeof(dir), "%s/.cadet-flood-%d", parent,
		 (int)getpid());
	if (mkdir(dir, 0700) == 0)
		return 0;
	dir[0] = '\0';
	return -errno;
}

int main(int argc, char **argv)
{
	static uint64_t block[BLOCK / 8];
	uint64_t rate, max, fsize, written = 0, on_disk = 0, in_file = 0;
	uint64_t next, free_b;
	const char *parent;
	struct statvfs sv;
	char path[320];
	int fd = -1, err;

	pl_init(argc, argv, "disk_flood", usage, keys);
	rate = pl_size("rate", 32ull << 20, 64 << 10, 1ull << 30);
	max = pl_size("max", 256ull << 20, 1 << 20, 4ull << 30);
	fsize = pl_size("file_size", 32ull << 20, 1 << 20, 1ull << 30);
	parent = pl_str("dir", "/tmp");
	err = make_dir(parent);
	if (err && !pl_lookup("dir"))
		err = make_dir(parent = "/var/tmp");
	if (err)
		pl_die("cannot create a directory in %s: %s; pass --dir=PATH of a writable directory",
		       parent, strerror(-err));
	pl.cleanup = cleanup;
	if (!statvfs(dir, &sv)) {
		free_b = (uint64_t)sv.f_bavail * sv.f_frsize;
		if (max > free_b / 2) {
			max = free_b / 2 > BLOCK ? free_b / 2 : BLOCK;
			pl_note("--max lowered to %" PRIu64 " bytes, half the free space of %s",
				max, parent);
		}
	}
	if (fsize > max)
		fsize = max;
	for (size_t i = 0; i < BLOCK / 8; i++)
		block[i] = pl_rand();

	pl_begin();
	next = pl_now();
	while (pl_running()) {
		if (fd < 0) {
			/* Keep the disk use under the cap: drop the oldest. */
			while (on_disk + fsize > max && first_file < next_file) {
				file_name(path, sizeof(path), first_file++);
				unlink(path);
				on_disk -= fsize;
			}
			file_name(path, sizeof(path), next_file);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				  0600);
			if (fd < 0) {
				pl_note("open %s: %s", path, strerror(errno));
				break;
			}
			next_file++;
			in_file = 0;
			on_disk += fsize;
		}
		block[written / BLOCK % (BLOCK / 8)] ^= pl_rand();
		err = pl_write_all(fd, block, BLOCK);
		if (err) {
			pl_note("write %s: %s", path, strerror(-err));
			break;
		}
		written += BLOCK;
		in_file += BLOCK;
		if (in_file >= fsize) {
			fdatasync(fd);
			close(fd);
			fd = -1;
		}
		next += BLOCK * PL_NSEC / rate;
		pl_sleep_until(next);
	}
	if (fd >= 0)
		close(fd);
	pl_finish();
	pl_note("wrote %" PRIu64 " MiB in %lu files", written >> 20, next_file);
	cleanup();
	return 0;
}
