# gdb script for guest/stall.py: the state QEMU's monitor does not show,
# read from the stalled QEMU process itself (x86 system emulation, QEMU
# 5.2 or 10.0 built with debug information).
#
#   gdb -p QEMU_PID -batch -nx [-ex 'add-symbol-file TYPES.o 0'] -x guest/stall-gdb.py
#
# Our builds carry line tables only (-g1, scripts/lib.sh): the types come
# from TYPES.o, one of QEMU's own files compiled again with -g
# (guest/stall.py does that from the build's compile_commands.json).
#
# For each vCPU: the CPUState fields that decide whether its thread sleeps
# (halted, interrupt_request, stop, stopped, exit_request) and its local
# APIC as QEMU models it (IRR, ISR, the LVT timer, the timer's count and
# when QEMU's timer for it expires), beside QEMU_CLOCK_VIRTUAL now. A vCPU
# halted with an interrupt pending that its thread never saw, or a local
# APIC timer armed in the past, is what this is for.
import gdb

# CPUState.interrupt_request bits, with x86's names (include/exec/
# cpu-interrupt.h or cpu-all.h, and target/i386/cpu.h)
INTERRUPTS = [(0x0002, "HARD"), (0x0004, "EXITTB"), (0x0008, "TGT_EXT_0"),
              (0x0010, "POLL"), (0x0020, "HALT"), (0x0040, "SMI"), (0x0080, "DEBUG"),
              (0x0100, "VIRQ"), (0x0200, "NMI"), (0x0400, "INIT"), (0x0800, "SIPI"),
              (0x1000, "MCE"), (0x2000, "TPR")]


def val(expr):
    try:
        return gdb.parse_and_eval(expr)
    except gdb.error:
        return None


def bits(words):
    """The vectors set in an 8-word APIC bitmap."""
    v = []
    for i in range(8):
        w = int(words[i])
        for b in range(32):
            if w & (1 << b):
                v.append("0x%02x" % (i * 32 + b))
    return " ".join(v) or "-"


def first_cpu():
    """The head of QEMU's CPU list (a QTAILQ: its first member is the
    first element), by address: a -g1 build has no type for it."""
    cpu_ptr = gdb.lookup_type("CPUState").pointer()
    for head in ("cpus_queue", "cpus"):       # 10.0, 5.2
        q = val("(long)&%s" % head)
        if q is not None:
            return gdb.parse_and_eval("*(long *)%d" % int(q)).cast(cpu_ptr)
    return None


def main():
    try:
        gdb.lookup_type("CPUState")
    except gdb.error:
        print("no CPUState type: QEMU was built without full debug information, and no "
              "object with its types was given (stall.py compiles one from compile_commands.json)")
        return
    # QEMU_CLOCK_VIRTUAL is 1 (include/qemu/timer.h)
    now = val("((long (*)(int))qemu_clock_get_ns)(1)")
    # gdb stopped QEMU when it attached, a second or so before this: a
    # timer due by less than that is late by gdb's doing, not QEMU's
    print("QEMU_CLOCK_VIRTUAL now: %s" % (int(now) if now is not None else "unknown"))
    cpu = first_cpu()
    if cpu is None:
        print("no CPU list (cpus_queue or cpus) in this QEMU's debug information")
        return
    x86 = gdb.lookup_type("X86CPU").pointer()
    while int(cpu) != 0:
        c = cpu.dereference()
        ir = int(c["interrupt_request"])
        names = [n for m, n in INTERRUPTS if ir & m]
        print("cpu%d: halted=%d interrupt_request=0x%x (%s) stop=%d stopped=%d "
              "exit_request=%d exception_index=%d thread_kicked=%d" % (
                  int(c["cpu_index"]), int(c["halted"]), ir, " ".join(names) or "-",
                  int(c["stop"]), int(c["stopped"]), int(c["exit_request"]),
                  int(c["exception_index"]), int(c["thread_kicked"])))
        xc = cpu.cast(x86).dereference()
        env = xc["env"]
        print("  eflags=0x%x hflags=0x%x hflags2=0x%x" % (
            int(env["eflags"]), int(env["hflags"]), int(env["hflags2"])))
        apic = xc["apic_state"]
        if int(apic) != 0:
            a = apic.cast(gdb.lookup_type("APICCommonState").pointer()).dereference()
            print("  apic: apicbase=0x%x tpr=0x%x spurious=0x%x irr [%s] isr [%s]" % (
                int(a["apicbase"]), int(a["tpr"]), int(a["spurious_vec"]),
                bits(a["irr"]), bits(a["isr"])))
            lvt = a["lvt"]
            print("  apic: lvt timer=0x%x lint0=0x%x lint1=0x%x divide=0x%x count_shift=%d"
                  % (int(lvt[0]), int(lvt[3]), int(lvt[4]), int(a["divide_conf"]),
                     int(a["count_shift"])))
            t = a["timer"]
            exp = int(t.dereference()["expire_time"]) if int(t) != 0 else None
            print("  apic: initial_count=%d load_time=%d next_time=%d timer_expiry=%d "
                  "QEMUTimer expire_time=%s%s" % (
                      int(a["initial_count"]), int(a["initial_count_load_time"]),
                      int(a["next_time"]), int(a["timer_expiry"]), exp,
                      "" if now is None or exp is None or exp < 0 else
                      " (%+d ns from now)" % (exp - int(now))))
        cpu = c["node"]["tqe_next"]


try:
    main()
except Exception as e:          # a report, never a failure of the watch
    print("stall-gdb.py: %s" % e)
