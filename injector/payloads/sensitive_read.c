// SPDX-License-Identifier: MIT
/*
 * sensitive_read: credential harvesting inside the container.
 *
 * Every --interval seconds it opens and reads a list of credential files
 * (/etc/shadow, /etc/gshadow, /root/.ssh/id_rsa, /root/.ssh/authorized_keys,
 * /etc/ssh/ssh_host_rsa_key, /proc/1/environ by default). A decoy
 * /root/.ssh/id_rsa is planted before the start when the container has
 * none (and removed at the end), so the read always hits a real file of
 * the container, never one of the host. Nothing read is kept or sent. The
 * trace shows open events of these paths from the target.
 */
#include "payload.h"

#include <sys/stat.h>

static const char usage[] =
	"Reads credential files repeatedly.\n"
	"  --interval=S  seconds between rounds (default 2, 0.1..60)\n"
	"  --files=LIST  comma-separated paths (default /etc/shadow,\n"
	"                /etc/gshadow,/root/.ssh/id_rsa,/root/.ssh/authorized_keys,\n"
	"                /etc/ssh/ssh_host_rsa_key,/proc/1/environ)\n"
	"  --plant=0|1   plant a decoy /root/.ssh/id_rsa when absent (default 1)\n";

static const char *const keys[] = { "interval", "files", "plant", NULL };

static const char default_files[] =
	"/etc/shadow,/etc/gshadow,/root/.ssh/id_rsa,/root/.ssh/authorized_keys,"
	"/etc/ssh/ssh_host_rsa_key,/proc/1/environ";

static const char decoy_key[] =
	"-----BEGIN OPENSSH PRIVATE KEY-----\n"
	"Y2FkZXQgZGVjb3kga2V5OiBub3QgYSByZWFsIGNyZWRlbnRpYWwuIGNhZGV0IGRlY295\n"
	"IGtleTogbm90IGEgcmVhbCBjcmVkZW50aWFsLiBjYWRldCBkZWNveSBrZXk6IG5vdCBh\n"
	"-----END OPENSSH PRIVATE KEY-----\n";

static bool planted_key, planted_dir;

static void cleanup(void)
{
	if (planted_key)
		unlink("/root/.ssh/id_rsa");
	if (planted_dir)
		rmdir("/root/.ssh");
	planted_key = planted_dir = false;
}

static void plant(void)
{
	int fd;

	if (access("/root/.ssh/id_rsa", F_OK) == 0)
		return;
	if (mkdir("/root/.ssh", 0700) == 0)
		planted_dir = true;
	fd = open("/root/.ssh/id_rsa", O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		pl_note("cannot plant a decoy /root/.ssh/id_rsa: %s",
			strerror(errno));
		cleanup();
		return;
	}
	planted_key = true;
	pl_write_all(fd, decoy_key, sizeof(decoy_key) - 1);
	close(fd);
}

static long read_file(const char *path)
{
	char buf[4096];
	long total = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0 && total < (1 << 20))
		total += n;
	close(fd);
	return total;
}

int main(int argc, char **argv)
{
	char *files, *save, *path;
	long rounds = 0, hits = 0;
	double interval;
	uint64_t next;

	pl_init(argc, argv, "sensitive_read", usage, keys);
	interval = pl_secs("interval", 2, 0.1, 60);
	files = strdup(pl_str("files", default_files));
	if (!files)
		pl_die("out of memory");
	if (pl_int("plant", 1, 0, 1))
		plant();
	pl.cleanup = cleanup;

	pl_begin();
	next = pl_now();
	while (pl_running()) {
		char *list = strdup(files);

		if (!list)
			break;
		for (path = strtok_r(list, ",", &save); path;
		     path = strtok_r(NULL, ",", &save))
			if (read_file(path) >= 0)
				hits++;
		free(list);
		rounds++;
		next += (uint64_t)(interval * PL_NSEC);
		pl_sleep_until(next);
	}
	pl_finish();
	pl_note("%ld rounds, %ld successful reads", rounds, hits);
	cleanup();
	free(files);
	return 0;
}
