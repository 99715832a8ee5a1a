package org.cloudmesh.cms.app;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.CommandFactory;

/**
 * Chooses the mode and hands over to {@link Shell}: REPL when a person is at a terminal, one-shot
 * {@code cms CMD ARGS}, a script ({@code cms FILE.cms}, {@code cms --file FILE}), or piped input.
 */
public final class Main {
    private Main() {}

    static final String USAGE = "usage: cms [--home DIR] [--debug] [--echo] [--keep-going] [COMMAND [ARGS...] | FILE.cms | --file FILE]";

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), false);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        // a signal (SIGTERM, Ctrl-C outside the REPL) ends the JVM through its exit hooks: close the shell there too
        Runtime.getRuntime().addShutdownHook(new Thread(Main::closeAtSignal, "cms-close"));
        int status = 1;
        try {
            status = run(args, out, err, System.console() != null);
        } finally {
            out.flush();
            err.flush();
        }
        // the shell is closed already; PF4J leaves no threads that matter: exit at once rather than stopping
        // plugins (pf4j#656). halt() skips the exit hooks.
        Runtime.getRuntime().halt(status);
    }

    /** The shell of this process, which the exit hook closes when a signal ends the process first. */
    private static volatile Shell current;

    /** Makes {@code shell} the one the exit hook closes; every mode closes it itself on its way out. */
    static Shell open(Shell shell) {
        current = shell;
        return shell;
    }

    private static void closeAtSignal() {
        Shell shell = current;
        if (shell == null) return;
        try {
            shell.close();
        } catch (RuntimeException e) {
            System.err.println("ERROR: " + e.getMessage());
        }
    }

    /** Parses the shell's own options, then runs the chosen mode. @return the exit status */
    static int run(String[] args, PrintWriter out, PrintWriter err, boolean terminal) {
        Path home = null;
        String file = null;
        boolean debug = System.getenv("CMS_DEBUG") != null;
        boolean echo = false;
        boolean keepGoing = false;
        int i = 0;
        try {
            for (; i < args.length && args[i].startsWith("-"); i++) {
                String a = args[i];
                switch (a) {
                    case "--debug" -> debug = true;
                    case "--echo" -> echo = true;
                    case "--keep-going" -> keepGoing = true;
                    case "--home" -> home = Path.of(value(args, ++i, a));
                    case "--file" -> file = value(args, ++i, a);
                    case "-h", "--help" -> args[i] = "help";
                    case "--version" -> args[i] = "version";
                    default -> {
                        if (a.startsWith("--home=")) home = Path.of(a.substring(7));
                        else if (a.startsWith("--file=")) file = a.substring(7);
                        else throw new CmsException("unknown option '" + a + "' (" + USAGE + ")");
                    }
                }
                if (args[i].equals("help") || args[i].equals("version")) break;
            }
            List<String> rest = new ArrayList<>(Arrays.asList(args).subList(i, args.length));
            if (file == null && rest.size() == 1 && rest.get(0).endsWith(".cms")) file = rest.remove(0);
            if (file != null && !rest.isEmpty()) throw new CmsException("a script takes no further arguments: " + rest);

            home = home != null ? home : defaultHome();
            PrivateFiles.createDirectory(home);
            Path dist = System.getProperty("cms.dist") == null ? null : Path.of(System.getProperty("cms.dist"));

            // every mode closes its shell (and what its plugins opened) on the way out, a failure to close included
            if (file != null) {
                try (Shell shell = open(new Shell(home, dist, out, err, false, debug, echo, keepGoing));
                     BufferedReader in = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                    return shell.runScript(in, file);
                } catch (NoSuchFileException e) {
                    throw new CmsException("script " + file + ": no such file");
                }
            }
            if (!rest.isEmpty()) {
                try (Shell shell = open(new Shell(home, dist, out, err, false, debug, echo, keepGoing))) {
                    return shell.run(rest);
                } catch (Shell.QuitSignal q) {
                    return 0;
                }
            }
            if (terminal) return Repl.run(home, dist, debug, echo);
            try (Shell shell = open(new Shell(home, dist, out, err, false, debug, echo, keepGoing))) {
                return shell.runScript(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), "stdin");
            }
        } catch (CmsException e) {
            out.flush();
            err.println("ERROR: " + e.getMessage());
            if (debug) e.printStackTrace(err);
            return e.status();
        } catch (IOException | RuntimeException e) {
            out.flush();
            err.println("ERROR: " + CommandFactory.describe(e));
            if (debug) e.printStackTrace(err);
            return 1;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new CmsException(option + " needs a value (" + USAGE + ")");
        return args[i];
    }

    static Path defaultHome() {
        String env = System.getenv("CLOUDMESH_HOME");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cloudmesh");
    }
}
