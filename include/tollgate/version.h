/*
 * Tollgate's version.
 */
#ifndef TOLLGATE_VERSION_H
#define TOLLGATE_VERSION_H

#define TOLLGATE_VERSION "0.1-dev"

/* Date of the latest source update of this version (`show info`
 * Release_date, `-vv`), as HAProxy's VERDATE: YYYY/MM/DD.
 */
#define TOLLGATE_DATE "2026/12/07"

#endif /* TOLLGATE_VERSION_H */
