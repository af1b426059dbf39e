/*
 * Test helpers: parse a configuration text through the real parser and
 * keep the messages it reports.
 */
#ifndef TOLLGATE_TEST_CFGTEST_H
#define TOLLGATE_TEST_CFGTEST_H

#define CFGTEST_MAX_MSGS 16

/* Messages of the last cfgtest_parse() (the first CFGTEST_MAX_MSGS), and
 * how many there were.
 */
extern char cfgtest_msgs[CFGTEST_MAX_MSGS][1024];
extern int cfgtest_nmsgs;

/* Parses <text> as the file "t.cfg", its messages captured above. Returns
 * what cfg_parse_text() returns. The sink stays installed: the caller's
 * cleanup resets it (cfg_set_sink(NULL, NULL)).
 */
int cfgtest_parse(const char *text);

/* Parses <text> and finalises its proxies, printing any message on
 * stderr. Returns 0, or -1 if anything failed. Undo with cfgtest_unload().
 */
int cfgtest_load(const char *text);

/* Frees what cfgtest_load() built and removes the message sink. */
void cfgtest_unload(void);

#endif /* TOLLGATE_TEST_CFGTEST_H */
