/*
 * device_filter.c: the eBPF device filter a container's cgroup v2 directory gets in place of the
 * v1 devices controller's allow-list.
 *
 * The kernel runs the program on every open or mknod of a device node by a process of the
 * cgroup, with struct bpf_cgroup_dev_ctx in r1: access_type = (access bits << 16) | device type,
 * then major and minor, each a u32. It returns 1 to allow and 0 to refuse (EPERM).
 *
 * The program: a prologue loads the four values into r2 (type), r3 (access asked), r4 (major)
 * and r5 (minor); then one block per rule, whose tests each jump to the next block when they
 * fail and whose end returns 1; after the last block, return 0. A rule that tests nothing allows
 * everything, and ends the program there: the verifier refuses instructions it cannot reach.
 *
 * Raw bpf(2) calls and our own instruction encoding, so no libbpf is linked into the supervisor.
 */
#include "pp_devices.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

/* The kernel's BPF_MAXINSNS: the length every kernel takes from any loader (the default list
 * needs 64). */
#define PP_BPF_MAXINSNS 4096u

/* Registers of the prologue. r1 holds the context on entry and is reused as a scratch register
 * once the context has been read. */
enum { R0 = 0, R1 = 1, R_TYPE = 2, R_ACCESS = 3, R_MAJOR = 4, R_MINOR = 5 };

#define ACCESS_ALL (PP_DEVICE_MKNOD | PP_DEVICE_READ | PP_DEVICE_WRITE)

struct assembler {
    struct bpf_insn *insns;
    uint32_t length;
};

static void emit(struct assembler *a, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    /* The caller checked the room for the whole block. */
    struct bpf_insn *i = &a->insns[a->length++];
    memset(i, 0, sizeof *i);
    i->code = code;
    i->dst_reg = dst & 0xf;
    i->src_reg = src & 0xf;
    i->off = off;
    i->imm = imm;
}

static int valid(const struct pp_device_rule *r)
{
    if (r->type != 'a' && r->type != 'b' && r->type != 'c')
        return 0;
    if (r->major < PP_DEVICE_ANY || r->minor < PP_DEVICE_ANY)
        return 0;
    return r->access != 0 && (r->access & ~ACCESS_ALL) == 0;
}

/* Instructions of a rule's block, the final return included. */
static uint32_t block_length(const struct pp_device_rule *r)
{
    uint32_t n = 2;
    if (r->type != 'a')
        n += 1;
    if (r->access != ACCESS_ALL)
        n += 3;
    if (r->major != PP_DEVICE_ANY)
        n += 1;
    if (r->minor != PP_DEVICE_ANY)
        n += 1;
    return n;
}

/* A conditional jump to the first instruction after this block, which ends at `end`. */
static void jump_if_not_equal_imm(struct assembler *a, uint8_t reg, int32_t value, uint32_t end)
{
    int16_t off = (int16_t)(end - (a->length + 1));
    emit(a, BPF_JMP | BPF_JNE | BPF_K, reg, 0, off, value);
}

static void emit_block(struct assembler *a, const struct pp_device_rule *r)
{
    uint32_t end = a->length + block_length(r);
    if (r->type != 'a')
        jump_if_not_equal_imm(a, R_TYPE, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, end);
    if (r->access != ACCESS_ALL) {
        /* Every bit asked for must be granted: (asked & granted) == asked. */
        emit(a, BPF_ALU | BPF_MOV | BPF_X, R1, R_ACCESS, 0, 0);
        emit(a, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (int32_t)r->access);
        int16_t off = (int16_t)(end - (a->length + 1));
        emit(a, BPF_JMP | BPF_JNE | BPF_X, R1, R_ACCESS, off, 0);
    }
    if (r->major != PP_DEVICE_ANY)
        jump_if_not_equal_imm(a, R_MAJOR, r->major, end);
    if (r->minor != PP_DEVICE_ANY)
        jump_if_not_equal_imm(a, R_MINOR, r->minor, end);
    emit(a, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
    emit(a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

int pp_device_filter_build(const struct pp_device_rule *rules, size_t count, void *program,
                           uint32_t capacity, uint32_t *length)
{
    struct assembler a = {.insns = program, .length = 0};
    uint64_t needed = 6 + 2;
    for (size_t i = 0; i < count; i++) {
        if (!valid(&rules[i])) {
            errno = EINVAL;
            return -1;
        }
        needed += block_length(&rules[i]);
    }
    if (needed > PP_BPF_MAXINSNS) {
        errno = E2BIG;
        return -1;
    }
    if (needed > capacity) {
        errno = ENOSPC;
        return -1;
    }

    emit(&a, BPF_LDX | BPF_W | BPF_MEM, R_TYPE, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
    emit(&a, BPF_ALU | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
    emit(&a, BPF_LDX | BPF_W | BPF_MEM, R_ACCESS, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
    emit(&a, BPF_ALU | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
    emit(&a, BPF_LDX | BPF_W | BPF_MEM, R_MAJOR, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
    emit(&a, BPF_LDX | BPF_W | BPF_MEM, R_MINOR, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);

    for (size_t i = 0; i < count; i++) {
        emit_block(&a, &rules[i]);
        if (block_length(&rules[i]) == 2) {
            /* Unconditional: nothing after it could run. */
            *length = a.length;
            return 0;
        }
    }
    emit(&a, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
    emit(&a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    *length = a.length;
    return 0;
}

static int sys_bpf(int command, union bpf_attr *attr)
{
    return (int)syscall(SYS_bpf, command, attr, sizeof *attr);
}

static int load_once(const void *program, uint32_t length, char *log, uint32_t log_size)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)program;
    attr.insn_cnt = length;
    /* The program calls no helper, so a license that is not GPL-compatible costs nothing. */
    attr.license = (uint64_t)(uintptr_t)"Apache-2.0";
    if (log != NULL) {
        attr.log_level = 1;
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = log_size;
    }
    /* The name `bpftool prog` shows (kernels before 4.15 lack the field and the program type). */
    static const char name[] = "peapod_devices";
    _Static_assert(sizeof name <= sizeof attr.prog_name, "program name too long");
    memcpy(attr.prog_name, name, sizeof name);
    /* The verifier gives up with EAGAIN when a signal is pending (the supervisor gets SIGCHLD). */
    int fd, attempts = 0;
    do
        fd = sys_bpf(BPF_PROG_LOAD, &attr);
    while (fd < 0 && errno == EAGAIN && ++attempts < 5);
    return fd;
}

int pp_device_filter_load(const void *program, uint32_t length, char *log, size_t log_size)
{
    if (log != NULL && log_size > 0)
        log[0] = '\0';
    /* Without a log first: the verifier is faster when it writes none. */
    int fd = load_once(program, length, NULL, 0);
    if (fd >= 0 || log == NULL || log_size < 128)
        return fd;
    int err = errno;
    /* The kernel takes at most UINT_MAX >> 2 bytes of log. */
    uint32_t size = log_size > (1u << 24) ? (1u << 24) : (uint32_t)log_size;
    fd = load_once(program, length, log, size);
    if (fd >= 0)
        return fd;
    log[size - 1] = '\0';
    errno = err;
    return -1;
}

int pp_device_filter_attach(int cgroup_fd, int program_fd)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)program_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    return sys_bpf(BPF_PROG_ATTACH, &attr) < 0 ? -1 : 0;
}
