#ifndef PP_DEVICES_H
#define PP_DEVICES_H
/* The device allow-list on cgroup v2 (device_filter.c). v2 has no devices controller: the kernel
 * asks an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, attached to the cgroup, whether a
 * process may open or make a device node. These functions assemble that program from v1-style
 * rules ("c 1:3 rwm"), load it and attach it, with raw bpf(2) calls. Parent side only: the
 * supervisor does this before a container's first process is born in the cgroup. */

#include <stddef.h>
#include <stdint.h>

/* A rule's access bits: the kernel's BPF_DEVCG_ACC_* values. */
#define PP_DEVICE_MKNOD 1u
#define PP_DEVICE_READ 2u
#define PP_DEVICE_WRITE 4u

/* A rule's major or minor that matches every number. */
#define PP_DEVICE_ANY (-1)

/* One allow rule, as a v1 devices.allow line: type 'a' (any), 'b' (block) or 'c' (character);
 * major and minor, each a number or PP_DEVICE_ANY; the access bits it grants (not 0). An access
 * is allowed when one rule matches the device and grants every bit asked for. */
struct pp_device_rule {
    char type;
    int32_t major;
    int32_t minor;
    uint32_t access;
};

/* Room a program needs: PP_DEVICE_FILTER_FIXED + PP_DEVICE_FILTER_PER_RULE × rules instructions
 * (struct bpf_insn, 8 bytes each). */
#define PP_DEVICE_FILTER_FIXED 8u
#define PP_DEVICE_FILTER_PER_RULE 8u

/*
 * Assembles the filter for `count` rules into `program` (room for `capacity` instructions) and
 * sets *length. The program denies what no rule allows. Returns 0, or -1 with errno: EINVAL for
 * a malformed rule, ENOSPC when `capacity` is too small, E2BIG beyond the kernel's 4096
 * instructions.
 */
int pp_device_filter_build(const struct pp_device_rule *rules, size_t count, void *program,
                           uint32_t capacity, uint32_t *length);

/*
 * Loads a program made by pp_device_filter_build: bpf(BPF_PROG_LOAD). Returns its descriptor
 * (close-on-exec), or -1 with errno. On failure, when `log` has room (at least 128 bytes), the
 * load is repeated with the verifier's log written there (NUL-terminated; empty when the kernel
 * refused before verifying). Needs CAP_SYS_ADMIN or CAP_BPF.
 */
int pp_device_filter_load(const void *program, uint32_t length, char *log, size_t log_size);

/*
 * Attaches a loaded program to the cgroup v2 directory open at `cgroup_fd`:
 * bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), so the programs of the ancestors
 * still run (every one must allow) and the cgroup's children may add their own. The attachment
 * holds the program: the caller closes its descriptor, and removing the cgroup frees it.
 * Returns 0, or -1 with errno (EPERM also when an ancestor's program forbids more programs below).
 */
int pp_device_filter_attach(int cgroup_fd, int program_fd);

#endif
