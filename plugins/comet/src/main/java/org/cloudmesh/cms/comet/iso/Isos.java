package org.cloudmesh.cms.comet.iso;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.store.Store;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * ISO images: a registry in the store (name, sha256, size, path under the endpoint's iso_dir) and their attachment
 * to nodes. Attach and detach change only the node's persistent definition (and the store, from which every power
 * on redefines the domain); a running domain keeps its live cdrom until it is powered off and on again — never on
 * reboot or reset (Comet's rule).
 */
public final class Isos {
    /** ISO 9660: the primary volume descriptor at sector 16 (byte 0x8000) has "CD001" after its type byte. */
    static final long SIGNATURE_OFFSET = 0x8001;
    static final String SIGNATURE = "CD001";
    /** libvirt VIR_DOMAIN_XML_INACTIVE: the persistent definition, not the live one. */
    static final int XML_INACTIVE = 2;

    private Isos() {
    }

    public record Iso(int index, String name, String sha256, long size, String path, long uploaded) {
    }

    /** The registered ISOs by name, numbered from 1 (the numbers attach accepts). */
    public static List<Iso> list(Store store) {
        List<Iso> out = new ArrayList<>();
        for (Store.IsoImage i : store.isos()) {
            out.add(new Iso(out.size() + 1, i.name(), i.sha256(), i.size(), i.path(), i.uploaded()));
        }
        return out;
    }

    /** The one answer for an ISO name in use, in the shell and through the server alike (it names no project). */
    public static String exists(String name) {
        return "an ISO named '" + name + "' already exists: ISO names are unique on this machine, whichever project uses them;"
                + " choose another with --isoname";
    }

    /** The project of each ISO that belongs to one (an ISO not in the map is shared by every project). */
    public static Map<String, String> projects(Store store) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Store.IsoImage i : store.isos()) if (i.project() != null) out.put(i.name(), i.project());
        return out;
    }

    /** Whether the name is free: neither registered nor a file in the endpoint's iso_dir. */
    public static boolean nameFree(Store store, Endpoint e, String name) {
        return find(store, name) == null && (e.isoDir() == null || !Files.exists(Path.of(e.isoDir()).resolve(name)));
    }

    /**
     * Removes what an upload cut off by a kill left in the endpoint's iso_dir ({@code .NAME.*.part} files).
     * @return how many files were removed
     */
    public static int removeUnfinished(Endpoint e) {
        if (e.isoDir() == null || !Files.isDirectory(Path.of(e.isoDir()))) return 0;
        int n = 0;
        try (var files = Files.newDirectoryStream(Path.of(e.isoDir()), ".*.part")) {
            for (Path f : files) {
                if (Files.isRegularFile(f) && Files.deleteIfExists(f)) n++;
            }
        } catch (IOException x) {
            // best effort: the next start tries again
        }
        return n;
    }

    /** True when the file carries the ISO 9660 signature. */
    static boolean isIso9660(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() < SIGNATURE_OFFSET + SIGNATURE.length()) return false;
            byte[] b = new byte[SIGNATURE.length()];
            f.seek(SIGNATURE_OFFSET);
            f.readFully(b);
            return SIGNATURE.equals(new String(b, java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /**
     * Checks the signature, copies the file into the endpoint's iso_dir (temp file + rename, sha256 computed while
     * copying) and registers it. Refuses a name already registered or already present in iso_dir.
     */
    public static Iso upload(Store store, Endpoint e, Path file, String name) {
        return upload(store, e, file, name, null);
    }

    /**
     * {@link #upload(Store, Endpoint, Path, String)} for a project (null: an ISO every project sees): the server's
     * uploads belong to the uploader's project.
     */
    public static Iso upload(Store store, Endpoint e, Path file, String name, String project) {
        String isoName = check(file, name);
        if (e.isoDir() == null) {
            throw new CmsException("endpoint '" + e.name() + "' has no iso_dir: set cloudmesh.comet.endpoints." + e.name() + ".iso_dir");
        }
        if (find(store, isoName) != null) {
            throw new CmsException(exists(isoName));
        }
        Path dir = Path.of(e.isoDir());
        Path target = dir.resolve(isoName);
        if (Files.exists(target)) {
            throw new CmsException(target + " already exists in iso_dir (not registered by cms): choose another --isoname");
        }
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + isoName + ".", ".part");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long size;
            try (InputStream in = Files.newInputStream(file);
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
                size = in.transferTo(out);
            }
            String hex = HexFormat.of().formatHex(sha.digest());
            // installation media, not secrets: the hypervisor's qemu (another user) reads them in place
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException x) {
                Files.move(tmp, target);
            }
            tmp = null;
            long now = Store.now();
            try {
                store.addIso(new Store.IsoImage(isoName, hex, size, target.toString(), now, project));
            } catch (RuntimeException x) {
                Files.deleteIfExists(target);
                throw x;
            }
            return find(store, isoName);
        } catch (IOException | java.security.NoSuchAlgorithmException x) {
            throw new CmsException("cannot copy " + file + " to " + target + ": " + x.getMessage(), x);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /** Checks an ISO to upload (a readable ISO 9660 file, a valid name); returns its name (default: the file's). */
    public static String check(Path file, String name) {
        if (!Files.exists(file)) throw new CmsException("no such file: " + file);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) throw new CmsException(file + " is not a readable file");
        String isoName = name != null ? name : file.getFileName().toString();
        Names.require("ISO", isoName);
        try {
            if (!isIso9660(file)) {
                throw new CmsException(file + " is not an ISO 9660 image (no 'CD001' signature at byte 0x8001): upload a .iso file");
            }
        } catch (IOException x) {
            throw new CmsException("cannot read " + file + ": " + x.getMessage(), x);
        }
        return isoName;
    }

    static Iso find(Store store, String name) {
        for (Iso i : list(store)) if (i.name().equals(name)) return i;
        return null;
    }

    /** An ISO by its number in 'comet iso list' or by name. */
    public static Iso resolve(Store store, String nameOrIndex) {
        List<Iso> all = list(store);
        if (nameOrIndex.matches("[0-9]{1,9}")) {
            int i = Integer.parseInt(nameOrIndex);
            if (i >= 1 && i <= all.size()) return all.get(i - 1);
        } else {
            for (Iso iso : all) if (iso.name().equals(nameOrIndex)) return iso;
        }
        throw new CmsException("The specified index or image name '" + nameOrIndex + "' does not match any from the ISO list ("
                + (all.isEmpty() ? "empty: upload one with 'comet iso upload PATH'" : "1-" + all.size() + ": see 'comet iso list'") + ")");
    }

    /** What an attach or detach did to one node. */
    public record Change(String node, String iso, boolean running, boolean defined) {
        public String describe() {
            String what = iso == null ? "ISO detached" : "ISO " + iso + " attached";
            if (running) return node + ": " + what + "; takes effect at the next power off and on (not on reboot or reset)";
            return node + ": " + what + "; takes effect when the node is next powered on";
        }
    }

    /**
     * Attaches {@code iso} (null: detaches) to the named nodes of a cluster (the frontend when {@code hostlist} is
     * null). All or nothing: every node is checked first; definitions changed on libvirt are put back if a later
     * node or the store fails.
     */
    public static List<Change> attach(Comet comet, Endpoint e, String cluster, String hostlist, Iso iso) {
        comet.clusters().cluster(e, cluster);
        List<Node> all = comet.store().nodes(cluster);
        List<Node> targets = new ArrayList<>();
        if (hostlist == null) {
            all.stream().filter(Node::frontend).findFirst().ifPresent(targets::add);
            if (targets.isEmpty()) throw new CmsException("cluster '" + cluster + "' has no frontend");
        } else {
            Map<String, Node> byName = new LinkedHashMap<>();
            for (Node n : all) byName.put(n.name(), n);
            List<String> unknown = new ArrayList<>();
            for (String name : Hostlist.expand(hostlist)) {
                Node n = byName.get(name);
                if (n == null) unknown.add(name);
                else targets.add(n);
            }
            if (!unknown.isEmpty()) {
                throw new CmsException("cluster '" + cluster + "' has no node " + Hostlist.compress(unknown)
                        + ": see 'comet cluster " + cluster + "'; nothing changed");
            }
        }
        String path = iso == null ? null : isoPath(e, iso.name());
        List<String[]> undo = new ArrayList<>();   // uri, old inactive XML
        List<Change> changes = new ArrayList<>();
        try {
            for (Node n : targets) {
                boolean running = false;
                boolean defined = false;
                if (n.host() != null) {
                    String uri = e.uri(n.host());
                    Hypervisor h = comet.libvirt().at(uri);
                    String st = h.powerState(n.name());
                    if (!Hypervisor.UNDEFINED.equals(st)) {
                        defined = true;
                        running = Hypervisor.ACTIVE.equals(st) || Hypervisor.PAUSED.equals(st) || Hypervisor.STOPPING.equals(st);
                        String old = inactiveXml(comet, uri, n.name());
                        h.define(withCdrom(old, path));
                        undo.add(new String[] {uri, old});
                    }
                }
                changes.add(new Change(n.name(), iso == null ? null : iso.name(), running, defined));
            }
            comet.store().setIso(cluster, targets, iso == null ? null : iso.name());
            return changes;
        } catch (RuntimeException x) {
            for (String[] u : undo) {
                try {
                    comet.libvirt().at(u[0]).define(u[1]);
                } catch (RuntimeException ignored) {
                    // reported through x
                }
            }
            throw x instanceof CmsException ? x : new CmsException(x.getMessage() + "; nothing changed", x);
        }
    }

    static String isoPath(Endpoint e, String name) {
        if (e.isoDir() == null) {
            throw new CmsException("endpoint '" + e.name() + "' has no iso_dir: set cloudmesh.comet.endpoints." + e.name() + ".iso_dir");
        }
        return Path.of(e.isoDir(), name).toString();
    }

    static String inactiveXml(Comet comet, String uri, String name) {
        try {
            Domain d = comet.libvirt().connection(uri).domainLookupByName(name);
            try {
                return d.getXMLDesc(XML_INACTIVE);
            } finally {
                d.free();
            }
        } catch (LibvirtException x) {
            throw new CmsException("read the definition of " + name + " on " + uri + " failed: " + x.getMessage(), x);
        }
    }

    /** The domain XML with its (first) cdrom holding {@code isoPath}, or empty when null; adds a cdrom if none. */
    public static String withCdrom(String xml, String isoPath) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document d = f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
            Element cdrom = cdrom(d);
            if (cdrom == null) {
                Element devices = (Element) d.getElementsByTagName("devices").item(0);
                cdrom = d.createElement("disk");
                cdrom.setAttribute("type", "file");
                cdrom.setAttribute("device", "cdrom");
                Element driver = d.createElement("driver");
                driver.setAttribute("name", "qemu");
                driver.setAttribute("type", "raw");
                cdrom.appendChild(driver);
                Element target = d.createElement("target");
                target.setAttribute("dev", "hdc");
                target.setAttribute("bus", "ide");
                cdrom.appendChild(target);
                cdrom.appendChild(d.createElement("readonly"));
                devices.appendChild(cdrom);
            }
            NodeList sources = cdrom.getElementsByTagName("source");
            for (int i = sources.getLength() - 1; i >= 0; i--) cdrom.removeChild(sources.item(i));
            if (isoPath != null) {
                Element src = d.createElement("source");
                src.setAttribute("file", isoPath);
                cdrom.insertBefore(src, cdrom.getFirstChild());
            }
            StringWriter w = new StringWriter();
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.transform(new DOMSource(d), new StreamResult(w));
            return w.toString();
        } catch (Exception x) {
            throw new CmsException("cannot change the cdrom of the domain definition: " + x.getMessage(), x);
        }
    }

    private static Element cdrom(Document d) {
        NodeList disks = d.getElementsByTagName("disk");
        for (int i = 0; i < disks.getLength(); i++) {
            Element disk = (Element) disks.item(i);
            if ("cdrom".equals(disk.getAttribute("device"))) return disk;
        }
        return null;
    }

    /** The file in the domain's cdrom, or null (no cdrom, or an empty one). */
    public static String cdromFile(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element cdrom = cdrom(f.newDocumentBuilder().parse(new InputSource(new StringReader(xml))));
            if (cdrom == null) return null;
            NodeList sources = cdrom.getElementsByTagName("source");
            if (sources.getLength() == 0) return null;
            String file = ((Element) sources.item(0)).getAttribute("file");
            return file.isEmpty() ? null : file;
        } catch (Exception x) {
            throw new CmsException("cannot read the domain XML: " + x.getMessage(), x);
        }
    }

    /**
     * For 'comet node info': the ISO in effect and, when the running domain still has another, the pending one.
     * Keys: iso (what the running domain has, or the store's when it does not run), iso_pending (or null).
     */
    public static Map<String, Object> status(Comet comet, Endpoint e, Node n) {
        Map<String, Object> r = new LinkedHashMap<>();
        String desired = n.iso();
        String live = null;
        boolean running = false;
        if (n.host() != null) {
            try {
                Hypervisor h = comet.libvirt().at(e.uri(n.host()));
                String st = h.powerState(n.name());
                running = Hypervisor.ACTIVE.equals(st) || Hypervisor.PAUSED.equals(st) || Hypervisor.STOPPING.equals(st);
                if (running) live = cdromFile(h.xml(n.name()));
            } catch (CmsException x) {
                running = false;   // host unreachable: show the store's view
            }
        }
        if (!running) {
            r.put("iso", desired);
            r.put("iso_pending", null);
            return r;
        }
        String liveName = live == null ? null : Path.of(live).getFileName().toString();
        String desiredPath = desired == null || e.isoDir() == null ? null : Path.of(e.isoDir(), desired).toString();
        r.put("iso", liveName);
        boolean same = desiredPath == null ? live == null : desiredPath.equals(live);
        r.put("iso_pending", same ? null
                : (desired == null ? "detach" : desired) + " at the next power off and on");
        return r;
    }
}
