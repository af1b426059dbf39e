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

/* The build's options and features, in HAProxy's -vv words (`-vv`,
 * `show dev`).
 */
#define TOLLGATE_BUILD_TARGET   "linux-glibc"
#define TOLLGATE_BUILD_OPTIONS  "USE_THREAD=1 USE_EPOLL=1 USE_LINUX_SPLICE=1 USE_LINUX_TPROXY=1 USE_OPENSSL=1 USE_PROMEX=1"
#define TOLLGATE_BUILD_FEATURES "+ACCEPT4 +EPOLL +LINUX_SPLICE +PROMEX +THREAD +TPROXY +CPU_AFFINITY" \
                                " +OPENSSL -QUIC -LUA -PCRE -PCRE2 -ZLIB -SLZ -SYSTEMD -POLL -KQUEUE -EVPORTS"

#endif /* TOLLGATE_VERSION_H */
