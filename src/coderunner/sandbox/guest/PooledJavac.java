/*
 * A pooled Java compile step (sandbox/pool.py, ADR 0014), mounted at
 * /usr/lib/coderunner/PooledJavac.java and run by the JVM's single-file source launcher under
 * our init (init.py --pooled=FD): `java JVM-FLAGS PooledJavac.java JAVAC-ARGS...`.
 *
 * Start-up: the source launcher compiles this file with javac in this JVM, which loads most of
 * javac's classes; then we compile a tiny class of our own (into /tmp, then removed) and one
 * with an error (its diagnostics discarded) with the same options, so the rest is loaded too.
 * Then we say b"r" on our socket to init (CODERUNNER_POOLED_FD) and wait for b"g"; anything
 * else ends the JVM with nothing compiled. On the go: exactly what the `javac` launcher does,
 * `System.exit(com.sun.tools.javac.Main.compile(args))`, so the diagnostics, their stream and
 * the exit status are javac's own. Only our own sources and the learner's file are compiled;
 * no learner code runs here (-proc:none).
 */

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class PooledJavac {
    private static final String WARM_OK = "public class Warm { public static void main(String[] a) {"
            + " java.util.List<String> s = new java.util.ArrayList<>(); s.add(\"x\");"
            + " for (String t : s) { System.out.println(t.length() + Math.max(1, 2)); } } }\n";
    private static final String WARM_ERROR = "public class Warm { void f() { int x = ; y(); } }\n";

    public static void main(String[] args) throws Exception {
        int control = Integer.parseInt(System.getenv("CODERUNNER_POOLED_FD"));
        warm(args);
        FileDescriptor fd = descriptor(control);
        FileOutputStream toInit = new FileOutputStream(fd);
        toInit.write('r');
        int go = new FileInputStream(fd).read();
        toInit.close(); // closes the descriptor: nothing later can reach init
        if (go != 'g') {
            System.exit(1);
        }
        System.exit(com.sun.tools.javac.Main.compile(args));
    }

    /** Compile our two warm-up classes with the run's options, output into /tmp (removed). */
    private static void warm(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("warm");
        try {
            Path source = dir.resolve("Warm.java");
            for (String text : new String[] {WARM_OK, WARM_ERROR}) {
                Files.writeString(source, text);
                List<String> options = new ArrayList<>(Arrays.asList(args));
                options.remove(options.size() - 1); // the learner's file (not there yet)
                int at = options.indexOf("-d");
                if (at >= 0) {
                    options.set(at + 1, dir.toString());
                }
                options.add(source.toString());
                PrintWriter sink = new PrintWriter(Writer.nullWriter());
                com.sun.tools.javac.Main.compile(options.toArray(new String[0]), sink);
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The inherited socket at `fd` (the JDK has no public way to wrap a descriptor number). */
    private static FileDescriptor descriptor(int fd) throws ReflectiveOperationException {
        Constructor<FileDescriptor> make = FileDescriptor.class.getDeclaredConstructor(int.class);
        make.setAccessible(true); // needs --add-opens java.base/java.io=ALL-UNNAMED
        return make.newInstance(fd);
    }
}
