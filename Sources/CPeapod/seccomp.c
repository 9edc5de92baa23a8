/*
 * seccomp.c: a container's seccomp filter, compiled in the supervisor and loaded in the child.
 *
 * Compiling (pp_seccomp_compile) runs in the supervisor's own process: libseccomp builds the
 * filter, exports it as classic BPF into a memfd, and the instructions are read back into the
 * caller's buffer. The Swift side does it once per profile and capability set and keeps the
 * result, so starting a container costs no compilation.
 *
 * Loading (pp_seccomp_install) runs in the child between clone and execve, where nothing may
 * allocate: it is the bare seccomp(2) system call on a program that is already in memory.
 *
 * Rules are compiled into two libseccomp filters that are merged at the end: one for the native
 * architecture, one for the others the profile lists (x86 and x32 next to x86_64, arm next to
 * aarch64). Only the native one can take a system call number libseccomp has no name for
 * (libseccomp translates numbers between architectures through its name tables), so a system
 * call newer than the installed libseccomp is still allowed for native programs when the
 * caller knows its number.
 */
#include "pp_seccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef SECCOMP_SET_MODE_FILTER
#define SECCOMP_SET_MODE_FILTER 1
#endif

static int fail(char *message, size_t size, int err, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(message, size, format, ap);
    va_end(ap);
    if (err != 0 && n >= 0 && (size_t)n < size)
        snprintf(message + n, size - (size_t)n, ": %s", strerror(err));
    return -1;
}

static int action_value(uint32_t kind, uint32_t data, uint32_t *value)
{
    switch (kind) {
    case PP_SECCOMP_ALLOW: *value = SCMP_ACT_ALLOW; return 0;
    case PP_SECCOMP_ERRNO: *value = SCMP_ACT_ERRNO(data); return 0;
    case PP_SECCOMP_KILL_THREAD: *value = SCMP_ACT_KILL_THREAD; return 0;
    case PP_SECCOMP_KILL_PROCESS: *value = SCMP_ACT_KILL_PROCESS; return 0;
    case PP_SECCOMP_TRAP: *value = SCMP_ACT_TRAP; return 0;
    case PP_SECCOMP_LOG: *value = SCMP_ACT_LOG; return 0;
    case PP_SECCOMP_TRACE: *value = SCMP_ACT_TRACE(data); return 0;
    default: return -1;
    }
}

static int compare_value(uint32_t op, enum scmp_compare *value)
{
    switch (op) {
    case PP_SECCOMP_NE: *value = SCMP_CMP_NE; return 0;
    case PP_SECCOMP_LT: *value = SCMP_CMP_LT; return 0;
    case PP_SECCOMP_LE: *value = SCMP_CMP_LE; return 0;
    case PP_SECCOMP_EQ: *value = SCMP_CMP_EQ; return 0;
    case PP_SECCOMP_GE: *value = SCMP_CMP_GE; return 0;
    case PP_SECCOMP_GT: *value = SCMP_CMP_GT; return 0;
    case PP_SECCOMP_MASKED_EQ: *value = SCMP_CMP_MASKED_EQ; return 0;
    default: return -1;
    }
}

/* Adds one rule to the native filter and, when there is one, to the other architectures'. */
static int add_rule(scmp_filter_ctx native, scmp_filter_ctx others, const struct pp_seccomp_rule *r,
                    uint32_t *skipped, int *others_rules, char *message, size_t size)
{
    uint32_t action;
    if (action_value(r->action, r->action_data, &action) < 0)
        return fail(message, size, 0, "system call %s: unknown action %u", r->name, r->action);
    if (r->arg_count > 6)
        return fail(message, size, 0, "system call %s: %u argument comparisons, at most 6", r->name,
                    r->arg_count);
    struct scmp_arg_cmp args[6];
    for (uint32_t i = 0; i < r->arg_count; i++) {
        enum scmp_compare op;
        if (compare_value(r->args[i].op, &op) < 0 || r->args[i].index > 5)
            return fail(message, size, 0, "system call %s: bad argument comparison %u", r->name, i);
        args[i].arg = r->args[i].index;
        args[i].op = op;
        args[i].datum_a = r->args[i].value;
        args[i].datum_b = r->args[i].value_two;
    }

    int number = seccomp_syscall_resolve_name(r->name);
    int known = number != __NR_SCMP_ERROR;
    if (!known) {
        if (r->native_number < 0) {
            (*skipped)++;
            return 0;
        }
        number = r->native_number;
    }
    int rc = seccomp_rule_add_array(native, action, number, r->arg_count, args);
    if (rc < 0)
        return fail(message, size, -rc, "system call %s: seccomp_rule_add", r->name);
    if (others != NULL && known) {
        rc = seccomp_rule_add_array(others, action, number, r->arg_count, args);
        if (rc < 0)
            return fail(message, size, -rc, "system call %s: seccomp_rule_add", r->name);
        (*others_rules)++;
    }
    return 0;
}

/* Builds the merged filter; NULL with `message` filled on failure. */
static scmp_filter_ctx build(const struct pp_seccomp_spec *spec, uint32_t *skipped, char *message, size_t size)
{
    uint32_t default_action;
    if (action_value(spec->default_action, spec->default_action_data, &default_action) < 0) {
        fail(message, size, 0, "unknown default action %u", spec->default_action);
        return NULL;
    }
    scmp_filter_ctx native = seccomp_init(default_action);
    if (native == NULL) {
        fail(message, size, 0, "seccomp_init: libseccomp refused the default action");
        return NULL;
    }
    scmp_filter_ctx others = NULL;
    uint32_t native_arch = seccomp_arch_native();
    int rc;
    for (size_t i = 0; i < spec->arch_count; i++) {
        uint32_t arch = seccomp_arch_resolve_name(spec->arches[i]);
        if (arch == 0) {
            fail(message, size, 0, "architecture %s is not known to libseccomp", spec->arches[i]);
            goto failed;
        }
        if (arch == native_arch)
            continue;
        if (others == NULL) {
            others = seccomp_init(default_action);
            if (others == NULL) {
                fail(message, size, 0, "seccomp_init: libseccomp refused the default action");
                goto failed;
            }
        }
        rc = seccomp_arch_add(others, arch);
        if (rc == -EDOM) {
            fail(message, size, 0, "architecture %s cannot share a filter with the native one (another byte order)",
                 spec->arches[i]);
            goto failed;
        }
        if (rc < 0 && rc != -EEXIST) {
            fail(message, size, -rc, "seccomp_arch_add %s", spec->arches[i]);
            goto failed;
        }
    }
    if (others != NULL && (rc = seccomp_arch_remove(others, SCMP_ARCH_NATIVE)) < 0) {
        fail(message, size, -rc, "seccomp_arch_remove native");
        goto failed;
    }
    int others_rules = 0;
    for (size_t i = 0; i < spec->rule_count; i++) {
        if (add_rule(native, others, &spec->rules[i], skipped, &others_rules, message, size) < 0)
            goto failed;
    }
    /* A binary tree sorted by system call number: RuntimeDefault's ~350 allowed calls then take
     * about 15 instructions to decide instead of about 300 in libseccomp's default chain, for
     * every call the kernel's action cache does not answer (all of them before Linux 5.11).
     * Not on a filter without rules (libseccomp 2.5.3 and older lose the default action there),
     * and on both filters or neither, since only filters with equal attributes merge. Where the
     * attribute is unknown (before libseccomp 2.5) the chain stays. */
    if (spec->rule_count > *skipped && (others == NULL || others_rules > 0)) {
        if (seccomp_attr_set(native, SCMP_FLTATR_CTL_OPTIMIZE, 2) == 0 && others != NULL &&
            seccomp_attr_set(others, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
            seccomp_attr_set(native, SCMP_FLTATR_CTL_OPTIMIZE, 1);
    }
    if (others != NULL) {
        /* On success the merge takes `others` over. */
        rc = seccomp_merge(native, others);
        if (rc < 0) {
            fail(message, size, -rc, "seccomp_merge");
            goto failed;
        }
    }
    return native;

failed:
    seccomp_release(native);
    if (others != NULL)
        seccomp_release(others);
    return NULL;
}

int pp_seccomp_compile(const struct pp_seccomp_spec *spec, void *program, uint32_t capacity,
                       uint32_t *count, uint32_t *skipped, char *message, size_t message_size)
{
    *count = 0;
    *skipped = 0;
    if (message_size > 0)
        message[0] = '\0';
    scmp_filter_ctx ctx = build(spec, skipped, message, message_size);
    if (ctx == NULL)
        return -1;

    /* libseccomp writes the program to a descriptor only; a memfd keeps it off any disk. */
    int fd = memfd_create("peapod-seccomp", MFD_CLOEXEC);
    if (fd < 0) {
        seccomp_release(ctx);
        return fail(message, message_size, errno, "memfd_create");
    }
    int rc = seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    if (rc < 0) {
        close(fd);
        return fail(message, message_size, -rc, "seccomp_export_bpf");
    }
    off_t bytes = lseek(fd, 0, SEEK_END);
    if (bytes < 0) {
        int saved = errno;
        close(fd);
        return fail(message, message_size, saved, "lseek");
    }
    size_t size = sizeof(struct sock_filter);
    if (bytes == 0 || (size_t)bytes % size != 0) {
        close(fd);
        return fail(message, message_size, 0, "seccomp_export_bpf wrote %lld bytes, not whole instructions",
                    (long long)bytes);
    }
    uint64_t n = (uint64_t)bytes / size;
    if (n > capacity) {
        close(fd);
        return fail(message, message_size, 0, "the filter has %llu instructions, more than the kernel's limit of %u",
                    (unsigned long long)n, capacity);
    }
    size_t done = 0;
    while (done < (size_t)bytes) {
        ssize_t r = pread(fd, (char *)program + done, (size_t)bytes - done, (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int saved = r < 0 ? errno : EIO;
            close(fd);
            return fail(message, message_size, saved, "read the exported filter");
        }
        done += (size_t)r;
    }
    close(fd);
    *count = (uint32_t)n;
    return 0;
}

int pp_seccomp_syscall_number(const char *name)
{
    return seccomp_syscall_resolve_name(name);
}

int pp_seccomp_install(const void *instructions, uint32_t count, unsigned int flags)
{
    struct sock_fprog prog;
    prog.len = (unsigned short)count;
    prog.filter = (struct sock_filter *)instructions;
    if (count == 0 || count > PP_SECCOMP_MAX_INSTRUCTIONS) {
        errno = EINVAL;
        return -1;
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) == 0)
        return 0;
    if (errno != EINVAL || flags == 0)
        return -1;
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 0 : -1;
}

const char *pp_seccomp_library_version(void)
{
    static char text[48];
    const struct scmp_version *v = seccomp_version();
    if (v == NULL)
        return "unknown";
    snprintf(text, sizeof text, "%u.%u.%u", v->major, v->minor, v->micro);
    return text;
}
