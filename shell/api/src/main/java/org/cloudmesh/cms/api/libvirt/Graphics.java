package org.cloudmesh.cms.api.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.xml.parsers.DocumentBuilderFactory;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.console.ConsoleTarget;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.ssh.SshTarget;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * A running domain's graphical display, from its live XML's first {@code <graphics>}: the type (vnc, spice), the
 * address it listens on (on the hypervisor's host) and the port libvirt gave it.
 */
public record Graphics(String type, String listen, int port) {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** @throws CmsException naming the domain when it has no display or no port (the test driver assigns none) */
    public static Graphics of(String liveXml, String name, String uri) {
        Element g;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            NodeList gs = f.newDocumentBuilder().parse(new InputSource(new StringReader(liveXml))).getElementsByTagName("graphics");
            g = gs.getLength() == 0 ? null : (Element) gs.item(0);
        } catch (Exception x) {
            throw new CmsException("cannot read the XML of " + name + ": " + x.getMessage(), x);
        }
        if (g == null) throw new CmsException(name + " has no graphical console (no <graphics> in its domain)");
        String type = g.getAttribute("type");
        String port = g.getAttribute("port");
        if ("spice".equals(type) && (port.isEmpty() || port.equals("-1")) && !g.getAttribute("tlsPort").isEmpty()) port = g.getAttribute("tlsPort");
        if (!port.matches("[0-9]{1,5}")) {
            throw new CmsException("the hypervisor at " + uri + " assigned no " + type + " port to " + name
                    + " (the test driver never does): no graphical console to link to");
        }
        String listen = g.getAttribute("listen");
        NodeList ls = g.getElementsByTagName("listen");
        if (listen.isEmpty() && ls.getLength() > 0) listen = ((Element) ls.item(0)).getAttribute("address");
        if (listen.isEmpty()) listen = "127.0.0.1";
        return new Graphics(type, listen, Integer.parseInt(port));
    }

    /** vnc://ADDRESS:PORT (as seen on the hypervisor's host). */
    public String url() {
        return type + "://" + (listen.contains(":") ? "[" + listen + "]" : listen) + ":" + port;
    }

    /**
     * Connects to the display of a domain of hypervisor {@code uri}: directly for a local hypervisor, through an
     * ssh tunnel to the host for {@code qemu+ssh://[user@]host[:port]/...?keyfile=...} (so the display stays bound to
     * the host's loopback). Only VNC: that is what the web console speaks.
     *
     * @param knownHosts the known_hosts file that pins the host's key
     */
    public ConsoleTarget.Stream connect(String uri, Path knownHosts) {
        if (!type.equals("vnc")) throw new CmsException("the display is " + type + ": the web console shows VNC displays only");
        URI u = URI.create(uri);
        String scheme = u.getScheme() == null ? "" : u.getScheme();
        if (scheme.endsWith("+ssh")) return tunnel(u, knownHosts);
        if (u.getHost() != null && !u.getHost().isEmpty() && !scheme.endsWith("+unix")) {
            throw new CmsException("the web console reaches displays on this host or over qemu+ssh, not over " + scheme + " (" + uri + ")");
        }
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(listen.equals("0.0.0.0") ? "127.0.0.1" : listen, port), (int) CONNECT_TIMEOUT.toMillis());
            s.setTcpNoDelay(true);
            return ConsoleTarget.Stream.of(s.getInputStream(), s.getOutputStream(), () -> {
                try {
                    s.close();
                } catch (IOException e) {
                    // closed
                }
            });
        } catch (IOException e) {
            throw new CmsException("the hypervisor's display " + url() + " cannot be reached: " + e.getMessage(), e);
        }
    }

    private ConsoleTarget.Stream tunnel(URI u, Path knownHosts) {
        String key = null;
        if (u.getRawQuery() != null) {
            for (String kv : u.getRawQuery().split("&")) {
                if (kv.startsWith("keyfile=")) key = URLDecoder.decode(kv.substring(8), StandardCharsets.UTF_8);
            }
        }
        if (key == null) key = System.getProperty("user.home") + "/.ssh/id_ed25519";
        String user = u.getUserInfo() == null ? System.getProperty("user.name") : u.getUserInfo();
        SshTarget target = new SshTarget(u.getHost(), u.getPort() < 0 ? SshTarget.DEFAULT_PORT : u.getPort(), user, Path.of(key));
        SshClient ssh = new SshClient(knownHosts, CONNECT_TIMEOUT);
        try {
            String to = listen.equals("0.0.0.0") ? "127.0.0.1" : listen;
            SshClient.Tunnel t = ssh.tunnel(target, to, port, CONNECT_TIMEOUT);
            return ConsoleTarget.Stream.of(t.in(), t.out(), () -> {
                t.close();
                ssh.close();
            });
        } catch (RuntimeException e) {
            ssh.close();
            throw e;
        }
    }
}
