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
 * defaulting to `inter`. A plain check's connect is bounded by `timeout
 * check` (or `timeout connect`), capped by `inter`.
 *
 * With `option tcp-check` and rules (tcpcheck.h), a probe runs the steps in
 * order on the check's worker, without blocking: the task is woken by its
 * socket's events and by its deadline, which is `inter` for the whole
 * probe, or, with `timeout check`, `timeout connect` (capped by `inter`) for
 * each connect and `timeout check` from the established connection on, as
 * HAProxy. Failures give HAProxy's reasons ("Layer7 invalid response,
 * info: \"TCPCHK did not match content '+PONG' at step 2\"", "Layer7
 * timeout", "Layer4 connection problem"...), logged with the server's state
 * change and, at each change of result or failure status, in a "Health
 * check for server X/Y failed" line.
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
