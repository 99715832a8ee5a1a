package org.cloudmesh.cms.comet.remote;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.rest.RequestSigner;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.cmd.CometRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code comet init}: get an API key from a cms server and make it the active comet endpoint. */
@Command(name = "init", description = {"Work through a cms server: get an API key with your password and a one-time code"
            + " (GET /getkey) and store it in cloudmesh.yaml as an endpoint of kind remote, which becomes the active one."},
        footer = {"", "Modes. An endpoint of kind 'remote' (url, user, api_key, api_secret under",
            "cloudmesh.comet.endpoints.NAME, written here) sends every comet command to the",
            "server, signed with the key; the server runs it as the shell would on the",
            "management node and answers with the same output, errors and exit status.",
            "Any other endpoint drives Slurm and libvirt from this machine (direct mode).",
            "Switch with 'comet active NAME' or --endpoint NAME. Only on the management",
            "node: the serial console ('console --link' goes through the server with a",
            "fresh --otp) and 'comet stats' with Slurm's accounting.",
            "", "Asks for what is missing in the REPL; scripts give --url, --user, --otp and",
            "--password-stdin."})
public final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--url", paramLabel = "URL", description = "The cms server, e.g. https://mgmt.example.org:8443")
    String url;
    @Option(names = "--user", paramLabel = "USER", description = "Your account on the server")
    String user;
    @Option(names = "--otp", paramLabel = "CODE", description = "The one-time code of your authenticator (6 digits)")
    String otp;
    @Option(names = "--password-stdin", description = "Read the password from the first line of standard input")
    boolean passwordStdin;
    @Option(names = "--name", paramLabel = "ENDPOINT", description = "Name of the endpoint to write (default: ${DEFAULT-VALUE})")
    String name = "server";

    @Override
    public Integer call() {
        Context ctx = CometRoot.context(spec);
        Config config = ctx.config();
        Names.require("endpoint", name);
        String at = Endpoint.ROOT + ".endpoints." + name;
        if (config.get(at).isPresent() && !RemoteService.isRemote(config, name)) {
            throw new CmsException("endpoint '" + name + "' exists and is not a cms server (kind remote): choose another --name");
        }
        if (url == null) url = ask(ctx, "Server URL: ", config.getString(at + ".url").orElse(null));
        url = url.strip().replaceAll("/+$", "");
        if (!url.matches("https?://[A-Za-z0-9.\\[\\]:_-]+(/[A-Za-z0-9._~/-]*)?")) {
            throw new CmsException("--url '" + url + "': give the server's address, e.g. https://mgmt.example.org:8443");
        }
        if (user == null) user = ask(ctx, "User: ", config.getString(at + ".user").orElse(null));
        Names.require("user", user);
        String password = password(ctx);
        if (otp == null) otp = ask(ctx, "One-time code: ", null);
        otp = otp.strip();
        if (!otp.matches("[0-9]{6,8}")) throw new CmsException("--otp '" + otp + "': give the 6 digits your authenticator shows");

        Map<?, ?> key = getKey(password);
        Object k = key.get("key_name");
        Object s = key.get("key");
        if (k == null || s == null) throw new CmsException("the server at " + url + " answered /getkey without key_name and key");
        config.set(at + ".kind", RemoteService.KIND);
        config.set(at + ".url", url);
        config.set(at + ".user", user);
        config.set(at + ".api_key", String.valueOf(k));
        config.set(at + ".api_secret", String.valueOf(s));
        config.set(Endpoint.ROOT + ".active", name);
        ctx.out().println("Stored the API key of " + user + " at " + url + " in " + config.file() + " (endpoint " + name
                + ", now active): comet commands go to the server");
        ctx.out().flush();
        return 0;
    }

    private static String ask(Context ctx, String question, String dflt) {
        if (!ctx.interactive()) {
            throw new CmsException("comet init needs " + question.replace(": ", "").toLowerCase(java.util.Locale.ROOT)
                    + ": give it as an option in scripts (see 'comet init --help')");
        }
        String a = ctx.prompt(dflt == null ? question : question.replace(": ", " [" + dflt + "]: ")).strip();
        return a.isEmpty() && dflt != null ? dflt : a;
    }

    private String password(Context ctx) {
        if (passwordStdin) {
            try {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (line == null || line.isEmpty()) throw new CmsException("--password-stdin: standard input gave no password");
                return line;
            } catch (IOException x) {
                throw new CmsException("--password-stdin: " + x.getMessage(), x);
            }
        }
        if (System.console() != null && ctx.interactive()) {
            char[] p = System.console().readPassword("Password: ");
            if (p != null && p.length > 0) return new String(p);
        }
        throw new CmsException("comet init needs your password: type it at the prompt, or pipe it with --password-stdin");
    }

    private Map<?, ?> getKey(String password) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/getkey")).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .header(RequestSigner.OTP, otp).GET().build();
        HttpResponse<byte[]> r;
        try {
            r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException x) {
            throw new CmsException("cannot reach the cms server at " + url + " (connection refused): is 'cms server start' running there?", x);
        } catch (IOException x) {
            throw new CmsException("cannot reach the cms server at " + url + ": " + x.getMessage(), x);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new CmsException("interrupted", x);
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new CmsException("the cms server at " + url + " refused user " + user
                    + ": wrong password or one-time code, or the account is disabled");
        }
        if (r.statusCode() != 200) throw new RemoteService(name, url, null).error(r.statusCode(), r.body());
        return RemoteService.map(RemoteService.parse(r.body()));
    }
}
