package org.cloudmesh.cms.api.ssh;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.cloudmesh.cms.api.CmsException;

/**
 * Quoting for the POSIX shell that runs a remote command ({@code sshd} hands the command line to the user's shell).
 * Every word that comes from a user, a config file or another program goes through {@link #quote(String)}, so it
 * reaches the remote program as one literal argument: {@code '; rm -rf /} is echoed, never run.
 */
public final class ShellQuote {
    /** Words made only of these characters mean the same quoted or not; they stay readable (as Python's shlex). */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private ShellQuote() {
    }

    /**
     * One shell word that stands for exactly {@code word}: unchanged when it holds only safe characters, otherwise in
     * single quotes, where nothing is special except the quote itself, written as {@code '\''}.
     *
     * @throws CmsException when the word contains a NUL character, which no command line can carry
     */
    public static String quote(String word) {
        Objects.requireNonNull(word, "word");
        if (word.indexOf('\0') >= 0) {
            throw new CmsException("cannot pass a NUL character in a remote command argument: "
                    + word.replace("\0", "\\0"));
        }
        if (SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** A command line of quoted words: {@code command("echo", x)} runs echo with the single argument x. */
    public static String command(String... words) {
        return command(List.of(words));
    }

    /** A command line of quoted words. */
    public static String command(List<String> words) {
        if (words.isEmpty()) {
            throw new IllegalArgumentException("a command needs at least one word");
        }
        return words.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
    }
}
