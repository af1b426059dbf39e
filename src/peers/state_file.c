/*
 * The stick-table state file (`stick-tables-state-file`): every table of
 * the process in one state blob, saved on a clean stop and every
 * `stick-tables-state-interval`, restored at start.
 *
 * Saving never leaves a half-written file under <path>: the blob goes to
 * <path>.tmp.<pid> (two processes overlapping during a reload never share
 * a temporary), is fsync()ed, renamed over <path>, and the directory is
 * fsync()ed so that the rename survives a power cut. The directory is
 * opened at start (tables_state_init()) and the file written relative to
 * it, so that saves work after a chroot.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tollgate/clock.h>
#include <tollgate/handover.h>
#include <tollgate/log.h>
#include <tollgate/proxy.h>
#include <tollgate/stktable.h>
#include <tollgate/stktable_state.h>

struct stktable *tables_find(const char *name)
{
	return proxy_table_find(name);
}

/* Writes <len> bytes of <p> to <fd>. Returns 0 or -errno. */
static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int dir_fd = -1;                 /* the state file's directory, opened at start */

int tables_state_init(const char *path, char *err, size_t errlen)
{
	char *copy = strdup(path);

	if (!copy) {
		snprintf(err, errlen, "stick-tables-state-file '%s': out of memory", path);
		return -ENOMEM;
	}
	dir_fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		int e = errno;

		snprintf(err, errlen, "stick-tables-state-file '%s': cannot open its directory: %s; the tables will not be saved", path, strerror(e));
		free(copy);
		return -e;
	}
	free(copy);
	return 0;
}

/* Returns the last component of <path>. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}
long tables_state_save(const char *path, char *err, size_t errlen)
{
	struct stkstate_buf b = { 0 };
	const char *base = base_name(path);
	uint32_t ntables = 0;
	uint64_t count = 0;
	char tmp[4096];
	long ret;
	int fd;

	if (dir_fd < 0) {
		snprintf(err, errlen, "stick-tables-state-file '%s': its directory could not be opened at start", path);
		return -EBADF;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", base, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "stick-tables-state-file '%s': path too long", path);
		return -ENAMETOOLONG;
	}
	clock_update();         /* lifetimes are computed from now_ms */
	for (struct proxy *px = proxies_list; px; px = px->next)
		ntables += px->table != NULL;
	stktable_state_begin(&b, STKSTATE_KIND_FULL, ntables);
	for (struct proxy *px = proxies_list; px; px = px->next)
		if (px->table)
			count += stktable_state_put_table(&b, px->table);
	if (stktable_state_end(&b) < 0) {
		snprintf(err, errlen, "stick-tables-state-file '%s': out of memory", path);
		ret = -ENOMEM;
		goto out_free;
	}
	/* relative to the directory opened at start: valid after a chroot */
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "stick-tables-state-file: cannot create '%s.tmp.%d': %s", path, (int)getpid(), strerror(errno));
		goto out_free;
	}
	ret = write_all(fd, b.p, b.len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && renameat(dir_fd, tmp, dir_fd, base) < 0)
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "stick-tables-state-file: cannot write '%s': %s", path, strerror((int)-ret));
		unlinkat(dir_fd, tmp, 0);
		goto out_free;
	}
	fsync(dir_fd);          /* the rename survives a power cut (errors: some file systems refuse) */
	ret = (long)count;
out_free:
	free(b.p);
	return ret;
}

/* Reads the whole of <path> into <*buf>/<*len>. Returns 0 or -errno. */
static int read_whole(const char *path, unsigned char **buf, size_t *len)
{
	unsigned char *p, *np;
	size_t n = 0, size;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	/* the file's size plus one: one read, then the end of file */
	size = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	p = malloc(size);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (n == size) {
			size *= 2;
			np = realloc(p, size);
			if (!np) {
				free(p);
				close(fd);
				return -ENOMEM;
			}
			p = np;
		}
		r = read(fd, p + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(p);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*buf = p;
	*len = n;
	return 0;
}

static void load_warn(void *ctx, const char *msg)
{
	log_warning("stick-tables-state-file '%s': %s.", (const char *)ctx, msg);
}

long tables_state_load(const char *path, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	char why[256];
	size_t len = 0;
	long ret;

	ret = read_whole(path, &buf, &len);
	if (ret == -ENOENT) {
		snprintf(err, errlen, "stick-tables-state-file '%s' does not exist yet", path);
		return ret;
	}
	if (ret < 0) {
		snprintf(err, errlen, "stick-tables-state-file '%s': cannot read it: %s", path, strerror((int)-ret));
		return ret;
	}
	clock_update();
	ret = stktable_state_apply(buf, len, STKSTATE_RESTORE, tables_find, load_warn, (void *)path,
	                           why, sizeof(why));
	if (ret == -EINVAL) {
		/* keep the bad file for inspection: the next save replaces <path> */
		char bad[4096];

		if (snprintf(bad, sizeof(bad), "%s.bad", path) < (int)sizeof(bad) && rename(path, bad) == 0)
			snprintf(err, errlen, "stick-tables-state-file '%s': %s (kept as '%s')", path, why, bad);
		else
			snprintf(err, errlen, "stick-tables-state-file '%s': %s", path, why);
	} else if (ret < 0) {
		snprintf(err, errlen, "stick-tables-state-file '%s': %s", path, why);
	}
	free(buf);
	return ret;
}
