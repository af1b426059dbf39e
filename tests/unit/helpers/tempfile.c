/*
 * Temporary files for the unit tests. See tempfile.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tempfile.h"

char *test_temp_file(const char *content)
{
	char *path = strdup("/tmp/tollgate-test-XXXXXX");
	size_t len = strlen(content);
	int fd;

	if (!path)
		return NULL;
	fd = mkstemp(path);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	if (write(fd, content, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

void test_temp_free(char *path)
{
	unlink(path);
	free(path);
}
