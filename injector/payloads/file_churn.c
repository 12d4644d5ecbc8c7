// SPDX-License-Identifier: MIT
/*
 * file_churn: many small files created, renamed, chmodded and deleted.
 *
 * Each operation cycle creates a file in a private directory under --dir,
 * writes a few hundred bytes, renames it, chmods every fourth one and,
 * once --files exist, deletes the oldest: --rate cycles per second, the
 * pattern of ransomware or a runaway temp-file writer. The directory and
 * whatever is left in it are removed at the end. The trace shows open
 * (O_CREAT) and file_op rename/unlink/chmod events from the target.
 */
#include <sys/stat.h>

#include "payload.h"

static const char usage[] =
	"Creates, renames, chmods and deletes small files.\n"
	"  --rate=N    cycles per second (default 300, cap 5000)\n"
	"  --files=N   files kept at most (default 200, cap 10000)\n"
	"  --dir=PATH  parent directory (default /tmp)\n";

static const char *const keys[] = { "rate", "files", "dir", NULL };

static char dir[256];
static unsigned long oldest, count;

static void churned_name(char *buf, size_t len, unsigned long n)
{
	snprintf(buf, len, "%s/doc-%lu.locked", dir, n);
}

/* Async-signal-safe: unlink and rmdir only. */
static void cleanup(void)
{
	char path[320];

	for (unsigned long n = oldest; n < count; n++) {
		churned_name(path, sizeof(path), n);
		unlink(path);
	}
	if (dir[0])
		rmdir(dir);
}

int main(int argc, char **argv)
{
	char path[320], renamed[320], data[512];
	const char *parent;
	long rate, files;
	uint64_t next;

	pl_init(argc, argv, "file_churn", usage, keys);
	rate = pl_int("rate", 300, 1, 5000);
	files = pl_int("files", 200, 1, 10000);
	parent = pl_str("dir", "/tmp");
	snprintf(dir, sizeof(dir), "%s/.cadet-churn-%d", parent,
		 (int)getpid());
	if (mkdir(dir, 0700) < 0)
		pl_die("mkdir %s: %s; pass --dir=PATH of a writable directory",
		       dir, strerror(errno));
	pl.cleanup = cleanup;
	memset(data, 'x', sizeof(data));

	pl_begin();
	next = pl_now();
	while (pl_running()) {
		long batch = rate >= 100 ? rate / 100 : 1;

		for (long i = 0; i < batch; i++) {
			int fd;

			snprintf(path, sizeof(path), "%s/doc-%lu.txt", dir,
				 count);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0) {
				pl_note("open %s: %s", path, strerror(errno));
				goto out;
			}
			pl_write_all(fd, data, 128 + pl_rand() % 384);
			close(fd);
			churned_name(renamed, sizeof(renamed), count);
			if (rename(path, renamed) < 0) {
				unlink(path);
				continue;
			}
			if (count % 4 == 0)
				chmod(renamed, 0600);
			count++;
			while (count - oldest > (unsigned long)files) {
				churned_name(path, sizeof(path), oldest++);
				unlink(path);
			}
		}
		next += rate >= 100 ? PL_NSEC / 100 : PL_NSEC / rate;
		pl_sleep_until(next);
	}
out:
	pl_finish();
	pl_note("%lu files churned", count);
	cleanup();
	return 0;
}
