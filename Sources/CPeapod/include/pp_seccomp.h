#ifndef PP_SECCOMP_H
#define PP_SECCOMP_H
/* Seccomp filters (seccomp.c). The supervisor compiles a resolved profile with libseccomp once,
 * in its own process (pp_seccomp_compile: it allocates); a container child only loads the
 * finished classic-BPF program with the raw system call (pp_seccomp_install: no allocation, no
 * libseccomp), as the last step before execve. */

#include <stddef.h>
#include <stdint.h>

/* What a matching rule (or the default) does; the data of ERRNO is the errno returned, of TRACE
 * the value a tracer sees. KILL_THREAD is what the OCI name SCMP_ACT_KILL means. */
enum pp_seccomp_action_kind {
    PP_SECCOMP_ALLOW = 0,
    PP_SECCOMP_ERRNO = 1,
    PP_SECCOMP_KILL_THREAD = 2,
    PP_SECCOMP_KILL_PROCESS = 3,
    PP_SECCOMP_TRAP = 4,
    PP_SECCOMP_LOG = 5,
    PP_SECCOMP_TRACE = 6,
};

/* Comparisons of one system call argument (libseccomp's scmp_compare, OCI's SCMP_CMP_*).
 * MASKED_EQ: (arg & value) == value_two. */
enum pp_seccomp_compare {
    PP_SECCOMP_NE = 1,
    PP_SECCOMP_LT = 2,
    PP_SECCOMP_LE = 3,
    PP_SECCOMP_EQ = 4,
    PP_SECCOMP_GE = 5,
    PP_SECCOMP_GT = 6,
    PP_SECCOMP_MASKED_EQ = 7,
};

struct pp_seccomp_arg {
    uint32_t index;         /* 0...5 */
    uint32_t op;            /* enum pp_seccomp_compare */
    uint64_t value;
    uint64_t value_two;
};

/* One system call with one action; all of its argument comparisons must hold (on distinct
 * argument indexes: libseccomp refuses two comparisons of the same argument in one rule). */
struct pp_seccomp_rule {
    const char *name;
    /* The number of `name` on the native architecture, used only when this libseccomp does not
     * know the name (a system call newer than its tables); -1: none, the rule is skipped. */
    int32_t native_number;
    uint32_t action;        /* enum pp_seccomp_action_kind */
    uint32_t action_data;
    uint32_t arg_count;     /* at most 6 */
    const struct pp_seccomp_arg *args;
};

struct pp_seccomp_spec {
    uint32_t default_action;        /* enum pp_seccomp_action_kind */
    uint32_t default_action_data;
    /* libseccomp's architecture names ("x86_64", "x86", "x32", "aarch64", "arm", ...). The
     * native architecture is always in the filter, listed or not. */
    const char *const *arches;
    size_t arch_count;
    const struct pp_seccomp_rule *rules;
    size_t rule_count;
};

/* libseccomp's version as "MAJOR.MINOR.MICRO" (a static string): part of what a compiled
 * program depends on. */
const char *pp_seccomp_library_version(void);

/* The kernel's limit on the length of a classic-BPF program (BPF_MAXINSNS). */
#define PP_SECCOMP_MAX_INSTRUCTIONS 4096

/*
 * Compiles `spec` into a classic-BPF program (struct sock_filter instructions, 8 bytes each)
 * written to `program`, which has room for `capacity` instructions; *count gets their number.
 * Rules naming a system call that neither libseccomp nor native_number resolves are skipped
 * (as runc and crun skip them); *skipped counts them. Returns 0, or -1 with a one-line reason
 * in `message` (NUL-terminated, at most message_size bytes). Parent side only.
 */
int pp_seccomp_compile(const struct pp_seccomp_spec *spec, void *program, uint32_t capacity,
                       uint32_t *count, uint32_t *skipped, char *message, size_t message_size);

/* libseccomp's number for a system call name on the native architecture: >= 0 for a call it
 * has, below -1 for one the native architecture lacks (libseccomp's pseudo numbers), -1 for a
 * name it does not know. Parent side only. */
int pp_seccomp_syscall_number(const char *name);

/* SECCOMP_FILTER_FLAG_* values a filter may be loaded with. */
#define PP_SECCOMP_FLAG_LOG 2u
#define PP_SECCOMP_FLAG_SPEC_ALLOW 4u

/*
 * Loads a compiled program on the calling thread: seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog).
 * Safe between clone and execve (no allocation, no lock, no libseccomp). When the kernel refuses
 * the flags (EINVAL: SPEC_ALLOW before 4.17, LOG before 4.14) it loads the program again without
 * them, as crun does. The kernel demands no_new_privs or CAP_SYS_ADMIN of the caller: a child
 * that keeps privilege escalation possible (no PR_SET_NO_NEW_PRIVS) must load the filter before
 * it drops its capabilities, as runc does; with no_new_privs, as late as possible.
 * Returns 0, or -1 with errno.
 */
int pp_seccomp_install(const void *instructions, uint32_t count, unsigned int flags);

#endif
