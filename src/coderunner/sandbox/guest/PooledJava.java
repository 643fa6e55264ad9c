/*
 * A pooled Java run (sandbox/pool.py, ADR 0014). Compiled once per host into a cache directory
 * (sandbox/java_launcher.py) that the run's sandbox mounts read-only and puts on the boot class
 * path, so the learner's class path is /build alone, as unpooled; run under our init
 * (init.py --pooled-quiet=FD: the program sees no variable of ours): `java RUN-FLAGS
 * -cp /build CoderunnerPooledJava FD Main`.
 *
 * Start-up: the JVM is up, with the classes a run needs first loaded. We say b"r" on our socket
 * to init (descriptor FD) and wait for b"g" (anything else: halt, nothing run). On the go the
 * host has put the learner's classes in /build; we load the main class exactly as the `java`
 * launcher does (its own helper, with its own messages and exit status) and call its main.
 * An exception out of main leaves with our frames (and the call's) cut off its stack traces,
 * so the JVM prints it as it would for `java Main` and the run ends with status 1.
 */

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

final class CoderunnerPooledJava {
    private static final int LM_CLASS = 1; // sun.launcher.LauncherHelper: a main class by name

    public static void main(String[] args) throws Throwable {
        FileDescriptor control = descriptor(Integer.parseInt(args[0]));
        warm();
        FileOutputStream toInit = new FileOutputStream(control);
        toInit.write('r');
        int go = new FileInputStream(control).read();
        toInit.close(); // closes the descriptor: nothing later can reach init
        if (go != 'g') {
            Runtime.getRuntime().halt(1);
        }
        // the java launcher's own helper (--add-exports java.base/sun.launcher): its checks,
        // its messages and its exit status for a main class that is missing or has no main
        Class<?> main = (Class<?>) Class.forName("sun.launcher.LauncherHelper")
                .getMethod("checkAndLoadMain", boolean.class, int.class, String.class)
                .invoke(null, true, LM_CLASS, args[1]);
        Method method = main.getMethod("main", String[].class);
        method.setAccessible(true); // a main class need not be public
        MethodHandle call = MethodHandles.lookup().unreflect(method);
        int ours = new Throwable().getStackTrace().length; // our frames, under the call
        try {
            Class.forName(main.getName(), true, main.getClassLoader()); // as the launcher does
            call.invokeExact(new String[0]);
        } catch (Throwable uncaught) {
            trim(uncaught, ours, Collections.newSetFromMap(new IdentityHashMap<>()));
            throw uncaught; // the JVM prints it for thread "main" and ends the run with 1
        }
    }

    /**
     * Cut our `ours` frames off the bottom of each trace in `t`'s causes and suppressed, and the
     * call's frames above them (initialising the class, the method handle): under `java Main`
     * nothing of Java is under the learner's main.
     */
    private static void trim(Throwable t, int ours, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        StackTraceElement[] trace = t.getStackTrace();
        int keep = trace.length - ours;
        if (keep >= 0 && trace[keep].getClassName().equals(CoderunnerPooledJava.class.getName())) {
            while (keep > 0 && isCall(trace[keep - 1].getClassName())) {
                keep--;
            }
            t.setStackTrace(Arrays.copyOf(trace, keep));
        }
        trim(t.getCause(), ours, seen);
        for (Throwable other : t.getSuppressed()) {
            trim(other, ours, seen);
        }
    }

    private static boolean isCall(String name) {
        return name.startsWith("java.lang.invoke.") || name.startsWith("jdk.internal.")
                || name.equals("java.lang.Class");
    }

    /** Load what a run of `java Main` loads first (reading input, printing, strings). */
    private static void warm() {
        new java.util.Scanner("1 2\nthree").nextInt();
        String.format("%d %s %.2f", 1, "x", 1.5).length();
        new StringBuilder().append(1).append('x').append(2.5).toString().isEmpty();
        new java.io.BufferedReader(new java.io.StringReader("x")).lines().count();
    }

    /** The inherited socket at `fd` (the JDK has no public way to wrap a descriptor number). */
    private static FileDescriptor descriptor(int fd) throws ReflectiveOperationException {
        Constructor<FileDescriptor> make = FileDescriptor.class.getDeclaredConstructor(int.class);
        make.setAccessible(true); // needs --add-opens java.base/java.io=ALL-UNNAMED
        return make.newInstance(fd);
    }
}
