// k2's own sandbox ("pause") program, written out as machine code so k2 needs no registry, no compiler and no
// busybox to start a pod.
//
// What it does, in Linux system calls only (no libc):
//   1. rt_sigprocmask(SIG_BLOCK, {SIGINT, SIGTERM, SIGCHLD})
//   2. loop: sig = rt_sigtimedwait({SIGINT, SIGTERM, SIGCHLD}, NULL, NULL)
//        SIGCHLD         → reap every exited child: while (wait4(-1, NULL, WNOHANG, NULL) > 0);
//        SIGINT, SIGTERM → exit_group(0)
//        anything else   → (EINTR) wait again
//
// Why blocking + sigtimedwait rather than signal handlers: the program is PID 1 of the pod's PID namespace, and
// the kernel drops signals that PID 1 has no handler for, but it never drops a *blocked* signal (it stays
// pending until taken). Waiting for blocked signals needs no handler, so no sigreturn trampoline either, which
// keeps each program under 140 bytes of code. As PID 1 it also reaps the zombies of a shared PID namespace.
//
// The file is a minimal static ELF64 executable: the ELF header, one PT_LOAD program header (read + execute)
// mapping the whole file at 0x400000, then the code. The instruction bytes were assembled with GNU as
// (x86-64) and llvm-mc (aarch64) from the listings beside each byte group, and checked by running the x86-64
// build (test/node/pause-image.test.ts) and disassembling both.

export type PauseArch = 'amd64' | 'arm64';

const loadAddress = 0x400000;
const elfHeaderSize = 64;
const programHeaderSize = 56;
const codeOffset = elfHeaderSize + programHeaderSize;

// SIGINT (2), SIGTERM (15) and SIGCHLD (17) as a sigset: bits 1, 14 and 16 → 0x14002.
const amd64Code = [
  [0x68, 0x02, 0x40, 0x01, 0x00], //          push  0x14002               ; the sigset lives at [rsp]
  [0x31, 0xff], //                            xor   edi, edi              ; SIG_BLOCK
  [0x48, 0x89, 0xe6], //                      mov   rsi, rsp              ; set
  [0x31, 0xd2], //                            xor   edx, edx              ; no old set
  [0x41, 0xba, 0x08, 0x00, 0x00, 0x00], //    mov   r10d, 8               ; sizeof(sigset)
  [0xb8, 0x0e, 0x00, 0x00, 0x00], //          mov   eax, 14               ; rt_sigprocmask
  [0x0f, 0x05], //                            syscall
  // wait_signal (0x19):
  [0x48, 0x89, 0xe7], //                      mov   rdi, rsp              ; set
  [0x31, 0xf6], //                            xor   esi, esi              ; no siginfo
  [0x31, 0xd2], //                            xor   edx, edx              ; no timeout
  [0x41, 0xba, 0x08, 0x00, 0x00, 0x00], //    mov   r10d, 8
  [0xb8, 0x80, 0x00, 0x00, 0x00], //          mov   eax, 128              ; rt_sigtimedwait
  [0x0f, 0x05], //                            syscall
  [0x83, 0xf8, 0x11], //                      cmp   eax, 17               ; SIGCHLD
  [0x74, 0x0c], //                            je    reap
  [0x83, 0xf8, 0x02], //                      cmp   eax, 2                ; SIGINT
  [0x74, 0x23], //                            je    quit
  [0x83, 0xf8, 0x0f], //                      cmp   eax, 15               ; SIGTERM
  [0x74, 0x1e], //                            je    quit
  [0xeb, 0xdb], //                            jmp   wait_signal
  // reap (0x3e):
  [0xbf, 0xff, 0xff, 0xff, 0xff], //          mov   edi, -1               ; any child
  [0x31, 0xf6], //                            xor   esi, esi              ; no status
  [0xba, 0x01, 0x00, 0x00, 0x00], //          mov   edx, 1                ; WNOHANG
  [0x45, 0x31, 0xd2], //                      xor   r10d, r10d            ; no rusage
  [0xb8, 0x3d, 0x00, 0x00, 0x00], //          mov   eax, 61               ; wait4
  [0x0f, 0x05], //                            syscall
  [0x85, 0xc0], //                            test  eax, eax
  [0x7f, 0xe6], //                            jg    reap                  ; reaped one: try the next
  [0xeb, 0xbf], //                            jmp   wait_signal
  // quit (0x5a):
  [0x31, 0xff], //                            xor   edi, edi              ; status 0
  [0xb8, 0xe7, 0x00, 0x00, 0x00], //          mov   eax, 231              ; exit_group
  [0x0f, 0x05], //                            syscall
];

// aarch64 instructions are 32-bit little-endian words.
const arm64Code = [
  0xd10043ff, //  sub   sp, sp, #16
  0xd2880040, //  mov   x0, #0x4002
  0xf2a00020, //  movk  x0, #0x1, lsl #16        ; x0 = 0x14002
  0xf90003e0, //  str   x0, [sp]                 ; the sigset lives at [sp]
  0xd2800000, //  mov   x0, #0                   ; SIG_BLOCK
  0x910003e1, //  mov   x1, sp
  0xd2800002, //  mov   x2, #0
  0xd2800103, //  mov   x3, #8
  0xd28010e8, //  mov   x8, #135                 ; rt_sigprocmask
  0xd4000001, //  svc   #0
  // wait_signal (0x28):
  0x910003e0, //  mov   x0, sp
  0xd2800001, //  mov   x1, #0
  0xd2800002, //  mov   x2, #0
  0xd2800103, //  mov   x3, #8
  0xd2801128, //  mov   x8, #137                 ; rt_sigtimedwait
  0xd4000001, //  svc   #0
  0x7100441f, //  cmp   w0, #17                  ; SIGCHLD
  0x540000c0, //  b.eq  reap
  0x7100081f, //  cmp   w0, #2                   ; SIGINT
  0x540001a0, //  b.eq  quit
  0x71003c1f, //  cmp   w0, #15                  ; SIGTERM
  0x54000160, //  b.eq  quit
  0x17fffff4, //  b     wait_signal
  // reap (0x5c):
  0x92800000, //  mov   x0, #-1
  0xd2800001, //  mov   x1, #0
  0xd2800022, //  mov   x2, #1                   ; WNOHANG
  0xd2800003, //  mov   x3, #0
  0xd2802088, //  mov   x8, #260                 ; wait4
  0xd4000001, //  svc   #0
  0x7100001f, //  cmp   w0, #0
  0x54ffff2c, //  b.gt  reap
  0x17ffffeb, //  b     wait_signal
  // quit (0x80):
  0xd2800000, //  mov   x0, #0
  0xd2800bc8, //  mov   x8, #94                  ; exit_group
  0xd4000001, //  svc   #0
];

function machineCode(arch: PauseArch): Buffer {
  if (arch === 'amd64') return Buffer.from(amd64Code.flat());
  const code = Buffer.alloc(arm64Code.length * 4);
  arm64Code.forEach((word, i) => code.writeUInt32LE(word, i * 4));
  return code;
}

/** The pause program as a static ELF executable for the given architecture. */
export function pauseProgram(arch: PauseArch): Buffer {
  const code = machineCode(arch);
  const file = Buffer.alloc(codeOffset + code.length);
  // ELF header
  file.set([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */, 0 /* System V ABI */], 0);
  file.writeUInt16LE(2, 16); // ET_EXEC
  file.writeUInt16LE(arch === 'amd64' ? 62 : 183, 18); // EM_X86_64 / EM_AARCH64
  file.writeUInt32LE(1, 20); // EV_CURRENT
  file.writeBigUInt64LE(BigInt(loadAddress + codeOffset), 24); // entry point
  file.writeBigUInt64LE(BigInt(elfHeaderSize), 32); // program headers follow the ELF header
  file.writeBigUInt64LE(0n, 40); // no section headers
  file.writeUInt32LE(0, 48); // flags
  file.writeUInt16LE(elfHeaderSize, 52);
  file.writeUInt16LE(programHeaderSize, 54);
  file.writeUInt16LE(1, 56); // one program header
  file.writeUInt16LE(64, 58); // section header entry size (none present)
  file.writeUInt16LE(0, 60);
  file.writeUInt16LE(0, 62);
  // PT_LOAD: the whole file, read + execute, at loadAddress
  const ph = elfHeaderSize;
  file.writeUInt32LE(1, ph); // PT_LOAD
  file.writeUInt32LE(5, ph + 4); // PF_R | PF_X
  file.writeBigUInt64LE(0n, ph + 8); // file offset
  file.writeBigUInt64LE(BigInt(loadAddress), ph + 16); // virtual address
  file.writeBigUInt64LE(BigInt(loadAddress), ph + 24); // physical address
  file.writeBigUInt64LE(BigInt(file.length), ph + 32); // size in file
  file.writeBigUInt64LE(BigInt(file.length), ph + 40); // size in memory
  file.writeBigUInt64LE(0x10000n, ph + 48); // alignment (64 KiB: fine for 4K, 16K and 64K page kernels)
  code.copy(file, codeOffset);
  return file;
}

/** This machine's architecture in OCI terms, or an error for one k2 has no pause program for. */
export function hostArch(): PauseArch {
  if (process.arch === 'x64') return 'amd64';
  if (process.arch === 'arm64') return 'arm64';
  throw new Error(`k2 has no sandbox program for CPU architecture ${process.arch} (only amd64 and arm64)`);
}
