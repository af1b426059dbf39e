/*
 * Tollgate's version.
 */
#ifndef TOLLGATE_VERSION_H
#define TOLLGATE_VERSION_H

#define TOLLGATE_VERSION "0.1-dev"

#endif /* TOLLGATE_VERSION_H */
