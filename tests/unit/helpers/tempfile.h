/*
 * Test helper: temporary files holding a given text (pattern and map
 * files for the rules' tests).
 */
#ifndef TOLLGATE_TEST_TEMPFILE_H
#define TOLLGATE_TEST_TEMPFILE_H

/* Writes <content> to a new file under /tmp; returns its malloc'ed path,
 * or NULL on failure. Remove it with test_temp_free().
 */
char *test_temp_file(const char *content);

/* Removes the file <path> and frees the path. */
void test_temp_free(char *path);

#endif /* TOLLGATE_TEST_TEMPFILE_H */
