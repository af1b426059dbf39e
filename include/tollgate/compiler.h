/*
 * Compiler helpers and fatal assertions shared by every layer.
 *
 * BUG_ON() is for states that must never happen: it prints the condition and
 * its place and aborts. It is always compiled in: a proxy that continues with
 * a corrupted scheduler or table does more harm than one that stops. Cheap
 * checks only; expensive ones go under DEBUG_BUG_ON() (debug builds only).
 */
#ifndef TOLLGATE_COMPILER_H
#define TOLLGATE_COMPILER_H

#include <stddef.h>

#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)

#define CACHELINE_SIZE  64
#define ALIGNED(n)      __attribute__((aligned(n)))
#define CACHE_ALIGNED   ALIGNED(CACHELINE_SIZE)
#define MAYBE_UNUSED    __attribute__((unused))
#define NORETURN        __attribute__((noreturn))
#define PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))

/* Returns the address of the struct of type <type> whose member <member> is
 * at address <ptr>.
 */
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Tells the CPU we are spinning (lowers power, helps the sibling thread). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* Prints "FATAL: bug condition <cond> matched at <file>:<line>" and aborts. */
NORETURN void bug_fatal(const char *cond, const char *file, int line);

#define BUG_ON(cond) \
	do { if (unlikely(cond)) bug_fatal(#cond, __FILE__, __LINE__); } while (0)

#ifdef TG_DEBUG
#define DEBUG_BUG_ON(cond) BUG_ON(cond)
#else
#define DEBUG_BUG_ON(cond) do { (void)sizeof(cond); } while (0)
#endif

#endif /* TOLLGATE_COMPILER_H */
