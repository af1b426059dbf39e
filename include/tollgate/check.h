/*
 * Health checks.
 *
 * Every server with `check` gets one check: a task local to one worker
 * (servers are spread over the workers), which every `inter` opens a TCP
 * connection to the server and reports success once connected (and, with
 * `option tcp-check`, once its send/expect steps pass). `rise` consecutive
 * successes bring a DOWN server UP, `fall` consecutive failures bring an UP
 * server DOWN (server_set_state(), logged). The interval is `fastinter`
 * while a transition is in progress and `downinter` while down, both
 * defaulting to `inter`. A check's connect and response wait is bounded by
 * `timeout check` (or `timeout connect`), capped by `inter`.
 */
#ifndef TOLLGATE_CHECK_H
#define TOLLGATE_CHECK_H

/* Creates and schedules the checks of every checked server. After
 * thread_setup(), before thread_start(). Returns 0 or -ENOMEM.
 */
int checks_start(void);

/* Frees the checks (workers stopped). */
void checks_stop(void);

#endif /* TOLLGATE_CHECK_H */
