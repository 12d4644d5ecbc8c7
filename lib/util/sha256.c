// SPDX-License-Identifier: MIT
/* SHA-256 of a file's content with libcrypto's EVP interface (sha256.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/util/sha256.h"

int util_sha256_file(const char *path, char hex[65], char *why, size_t whylen)
{
	unsigned char md[EVP_MAX_MD_SIZE], *buf = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned int mdlen = 0;
	FILE *f = NULL;
	size_t n;
	int ret = -EIO;

	f = fopen(path, "rb");
	if (!f) {
		ret = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	buf = malloc(1 << 20);
	ctx = EVP_MD_CTX_new();
	if (!buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		ret = -ENOMEM;
		snprintf(why, whylen, "%s: cannot hash: out of memory", path);
		goto cleanup;
	}
	while ((n = fread(buf, 1, 1 << 20, f)) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	if (ferror(f)) {
		snprintf(why, whylen, "%s: read error", path);
		goto cleanup;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	ret = 0;
cleanup:
	EVP_MD_CTX_free(ctx);
	free(buf);
	if (f)
		fclose(f);
	return ret;
}
