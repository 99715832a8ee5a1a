package org.cloudmesh.cms.app.admin;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.audit.AuditEntry;
import org.cloudmesh.cms.app.ShellContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code cms admin user add|list|disable|enable|enroll} (the server's accounts, {@link Accounts}),
 * {@code cms admin key list|revoke} (the API keys {@code GET /getkey} handed out) and
 * {@code cms admin audit} (the audit trail). Changes to accounts are themselves recorded in the trail.
 */
@Command(name = "admin", description = {"Manage the server's users and API keys and read the audit trail.",
        "Users log in to 'cms server' with a password and a one-time code (TOTP, RFC 6238) from an authenticator app."},
        subcommands = {AdminCommand.UserCommand.class, AdminCommand.KeyCommand.class, AdminCommand.AuditCommand.class},
        footer = {"%nExamples:", "  admin user add alice --project p1 --project p2",
                "  echo \"$PASSWORD\" | cms admin user add bob --project p1 --password-stdin --secret-only",
                "  admin user list --output json", "  admin user disable bob", "  admin user enroll alice",
                "  admin key list --user alice", "  admin key revoke KEY",
                "  admin audit --user alice --since 1d"})
public final class AdminCommand {
    final ShellContext ctx;

    public AdminCommand(ShellContext ctx) {
        this.ctx = ctx;
    }

    void record(String action, String result) {
        ctx.audit().record(new AuditEntry(Instant.now(), System.getProperty("user.name"), "local", action, null, null, result));
    }

    @Command(name = "user", description = "Add, list, disable, enable and enrol users.")
    static final class UserCommand {
        @ParentCommand
        AdminCommand admin;

        @Command(name = "add", description = {"Add a user with a password (asked twice at a terminal) and a new TOTP secret.",
                "Prints the otpauth:// URI and its QR code for an authenticator app."})
        int add(@Parameters(paramLabel = "NAME", description = "The new user's login name.") String name,
                @Option(names = "--project", paramLabel = "PROJECT", required = true, description = "A project whose clusters the user may use (repeatable).") List<String> projects,
                @Option(names = "--admin", description = "The user sees and changes every project's clusters.") boolean isAdmin,
                @Option(names = "--password-stdin", description = "Read the password from the first line of standard input (scripts).") boolean stdin,
                @Option(names = "--secret-only", description = "Print only the TOTP secret (base32), for scripts.") boolean secretOnly) {
            Accounts.checkName(name, "user name");
            for (String p : projects) Accounts.checkName(p, "project name");
            char[] password = password(stdin);
            String secret;
            try (Accounts a = Accounts.open(admin.ctx.home())) {
                secret = a.add(name, password, new LinkedHashSet<>(projects), isAdmin);
            } finally {
                Arrays.fill(password, '\0');
            }
            admin.record("admin user add " + name + " --project " + String.join(" --project ", projects) + (isAdmin ? " --admin" : ""), "ok");
            if (secretOnly) {
                admin.ctx.out().println(secret);
            } else {
                admin.ctx.out().println("user " + name + " added (projects: " + String.join(", ", projects) + (isAdmin ? "; admin" : "") + ")");
                enrolment(name, secret);
            }
            return 0;
        }

        @Command(name = "list", description = "List the users: projects, admin, state, whether enrolled.")
        int list(@Mixin OutputOption output) {
            List<Map<String, Object>> rows = new ArrayList<>();
            try (Accounts a = Accounts.open(admin.ctx.home())) {
                for (Accounts.User u : a.list()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("name", u.name());
                    row.put("projects", new ArrayList<>(u.projects()));
                    row.put("admin", u.admin());
                    row.put("state", u.disabled() ? "disabled" : u.lockedUntil() != null ? "locked until " + u.lockedUntil() : "active");
                    row.put("enrolled", u.enrolled());
                    row.put("created", u.created().toString());
                    rows.add(row);
                }
            }
            admin.ctx.printer(output.format).list(List.of("name", "projects", "admin", "state", "enrolled", "created"), rows);
            return 0;
        }

        @Command(name = "disable", description = "Disable a user: every API key of theirs stops working within a second.")
        int disable(@Parameters(paramLabel = "NAME", description = "The user to disable.") String name) {
            try (Accounts a = Accounts.open(admin.ctx.home())) {
                a.disable(name);
            }
            admin.record("admin user disable " + name, "ok");
            admin.ctx.out().println("user " + name + " disabled");
            return 0;
        }

        @Command(name = "enable", description = "Enable a disabled user again; also unlocks a user locked by wrong one-time codes.")
        int enable(@Parameters(paramLabel = "NAME", description = "The user to enable (or unlock).") String name) {
            try (Accounts a = Accounts.open(admin.ctx.home())) {
                a.enable(name);
            }
            admin.record("admin user enable " + name, "ok");
            admin.ctx.out().println("user " + name + " enabled");
            return 0;
        }

        @Command(name = "enroll", aliases = "enrol", description = {"Give a user a new TOTP secret (a lost phone or key): the old one stops working.",
                "Prints the otpauth:// URI and its QR code."})
        int enroll(@Parameters(paramLabel = "NAME", description = "The user who gets a new TOTP secret.") String name,
                   @Option(names = "--secret-only", description = "Print only the TOTP secret (base32), for scripts.") boolean secretOnly) {
            String secret;
            try (Accounts a = Accounts.open(admin.ctx.home())) {
                secret = a.enroll(name);
            }
            admin.record("admin user enroll " + name, "ok");
            if (secretOnly) admin.ctx.out().println(secret);
            else enrolment(name, secret);
            return 0;
        }

        private void enrolment(String name, String secret) {
            String uri = Totp.uri(name, secret);
            var out = admin.ctx.out();
            out.println("Second factor: scan the QR code with an authenticator app (or a YubiKey's OATH tool),");
            out.println("or enter the secret by hand (TOTP, SHA-1, 6 digits, 30 s).");
            out.println("  " + uri);
            out.println("  secret: " + secret);
            out.print(QrText.render(uri));
            out.flush();
        }

        private char[] password(boolean stdin) {
            char[] p;
            if (stdin) {
                try {
                    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                    if (line == null) throw new CmsException("--password-stdin: standard input is empty");
                    p = line.toCharArray();
                } catch (IOException e) {
                    throw new CmsException("--password-stdin: " + e.getMessage(), e);
                }
            } else {
                Console console = System.console();
                if (console == null) throw new CmsException("no terminal to ask for the password: give it with --password-stdin");
                p = console.readPassword("Password for the new user: ");
                char[] again = console.readPassword("The same password again: ");
                if (p == null || again == null) throw new CmsException("no password given");
                boolean same = Arrays.equals(p, again);
                Arrays.fill(again, '\0');
                if (!same) throw new CmsException("the two passwords differ: nothing was changed");
            }
            if (p.length < 8) throw new CmsException("the password is too short: use at least 8 characters");
            return p;
        }
    }

    @Command(name = "key", description = {"List and revoke the API keys users got with GET /getkey.",
            "A key works for the server's --key-lifetime (3 days unless set) after it was made; a revoked one stops within a second."})
    static final class KeyCommand {
        @ParentCommand
        AdminCommand admin;

        @Command(name = "list", description = "List the API keys (never their secrets): key, user, when made.")
        int list(@Option(names = "--user", paramLabel = "USER", description = "Only this user's keys.") String user,
                 @Mixin OutputOption output) {
            if (user != null) Accounts.checkName(user, "user name");
            List<Map<String, Object>> rows = new ArrayList<>();
            try (Accounts a = Accounts.open(admin.ctx.home())) {
                for (Accounts.KeyInfo k : a.keys(user)) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("key", k.keyId());
                    row.put("user", k.user());
                    row.put("created", k.created().toString());
                    rows.add(row);
                }
            }
            admin.ctx.printer(output.format).list(List.of("key", "user", "created"), rows);
            return 0;
        }

        @Command(name = "revoke", description = "Revoke API keys: each stops working within a second; the user logs in again for a new one.")
        int revoke(@Parameters(paramLabel = "KEY", arity = "1..*", description = "Key names as 'admin key list' shows them.") List<String> keys) {
            for (String k : keys) {
                if (!k.matches("[A-Z2-7]{1,64}")) throw new CmsException("invalid API key '" + k + "': see 'admin key list'");
            }
            try (Accounts a = Accounts.open(admin.ctx.home())) {
                for (String k : keys) {
                    String user = a.revoke(k);
                    admin.record("admin key revoke " + k + " (of " + user + ")", "ok");
                    admin.ctx.out().println("API key " + k + " of " + user + " revoked");
                }
            }
            return 0;
        }
    }

    @Command(name = "audit", description = {"Show the audit trail: who changed what, when, from where, with which result.",
            "Server requests that change state and shell commands that record are in it; nothing edits it."})
    static final class AuditCommand implements java.util.concurrent.Callable<Integer> {
        @ParentCommand
        AdminCommand admin;
        @Option(names = "--user", paramLabel = "USER", description = "Only this user's entries.")
        String user;
        @Option(names = "--cluster", paramLabel = "CLUSTER", description = "Only entries about this cluster.")
        String cluster;
        @Option(names = "--since", paramLabel = "DATE", description = "Only entries since DATE: 2026-11-25, 2026-11-25T10:00, an ISO instant, or an age such as 30m, 6h, 2d, 1w.")
        String since;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() {
            Instant from = since == null ? null : parseSince(since, Instant.now());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (AuditEntry e : admin.ctx.audit().query(user, cluster, from)) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("when", e.when().toString());
                row.put("user", e.user());
                row.put("from", e.from());
                row.put("action", e.action());
                row.put("cluster", e.cluster());
                row.put("nodes", e.nodes());
                row.put("result", e.result());
                rows.add(row);
            }
            admin.ctx.printer(output.format).list(List.of("when", "user", "from", "action", "cluster", "nodes", "result"), rows);
            return 0;
        }
    }

    private static final Pattern AGE = Pattern.compile("(\\d+)([smhdw])");

    /** A date, a local date-time, an ISO instant or offset date-time, or an age back from {@code now}. */
    static Instant parseSince(String s, Instant now) {
        String t = s.strip();
        Matcher m = AGE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return now.minus(d);
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException ignored) {
            // next form
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException ignored) {
            // next form
        }
        try {
            return LocalDateTime.parse(t).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException ignored) {
            // next form
        }
        try {
            return LocalDate.parse(t).atStartOfDay(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            throw new CmsException("--since '" + s + "': use a date (2026-11-25), a date and time (2026-11-25T10:00), an ISO instant, or an age (30m, 6h, 2d, 1w)");
        }
    }
}
