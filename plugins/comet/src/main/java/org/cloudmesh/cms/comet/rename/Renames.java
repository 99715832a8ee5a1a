package org.cloudmesh.cms.comet.rename;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.cloudmesh.cms.comet.console.LibvirtNative;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

/**
 * Renames compute nodes: the store and their libvirt domains together or not at all. A defined domain must be
 * shut off; it is renamed with virDomainRename (same UUID, definition kept), or, where the driver lacks it,
 * undefined and defined again under the new name. Any failure puts back what was already renamed.
 */
public final class Renames {
    private Renames() {
    }

    /** Checks the request against the store; returns old → new in order. Throws, changing nothing, on any problem. */
    public static Map<String, String> plan(Comet comet, Endpoint e, String cluster, String oldList, String newList) {
        comet.clusters().cluster(e, cluster);
        comet.store().stack(cluster).ifPresent(s -> {
            throw new CmsException("cluster '" + cluster + "' runs the " + s.name() + " stack, whose controller on the frontend"
                    + " knows the nodes by their names: nothing renamed");
        });
        List<String> olds = Hostlist.expand(oldList);
        List<String> news = Hostlist.expand(newList);
        if (olds.size() != news.size()) {
            throw new CmsException("OLDNAMES has " + olds.size() + " names and NEWNAMES " + news.size()
                    + ": give hostlists of equal length; nothing renamed");
        }
        for (String n : news) Names.require("node", n);
        Map<String, Node> byName = new LinkedHashMap<>();
        for (Node n : comet.store().nodes(cluster)) byName.put(n.name(), n);
        List<String> unknown = new ArrayList<>();
        for (String o : olds) {
            Node n = byName.get(o);
            if (n == null) unknown.add(o);
            else if (n.frontend()) throw new CmsException(o + " is the frontend of " + cluster + " (named after the cluster): it cannot be renamed");
        }
        if (!unknown.isEmpty()) {
            throw new CmsException("cluster '" + cluster + "' has no node " + Hostlist.compress(unknown) + ": see 'comet cluster "
                    + cluster + "'; nothing renamed");
        }
        Set<String> oldSet = new HashSet<>(olds);
        Set<String> used = comet.store().takenNodeNames(news);
        for (String n : news) {
            if (oldSet.contains(n)) {
                throw new CmsException(n + " is both renamed and a new name: rename in two steps; nothing renamed");
            }
            if (byName.containsKey(n)) throw new CmsException(n + " already exists in cluster " + cluster + ": choose another name; nothing renamed");
            // the other cluster is not named: through the server it may belong to another project
            if (used.contains(n)) throw new CmsException(n + " is a node of another cluster (libvirt domain names are shared by all clusters): choose another name; nothing renamed");
        }
        Map<String, String> plan = new LinkedHashMap<>();
        for (int i = 0; i < olds.size(); i++) plan.put(olds.get(i), news.get(i));
        return plan;
    }

    private record Undo(String uri, String from, String to, String oldXml) {
    }

    /** Renames per plan. Returns, per node, what happened in libvirt ("domain renamed", "no domain"). */
    public static Map<String, String> apply(Comet comet, Endpoint e, String cluster, Map<String, String> plan) {
        Map<String, Node> byName = new LinkedHashMap<>();
        for (Node n : comet.store().nodes(cluster)) byName.put(n.name(), n);
        // every domain must be shut off before anything changes
        Map<String, String> uris = new LinkedHashMap<>();
        for (String o : plan.keySet()) {
            Node n = byName.get(o);
            if (n.host() == null) continue;
            String uri = e.uri(n.host());
            String st = comet.libvirt().at(uri).powerState(o);
            if (Hypervisor.UNDEFINED.equals(st)) continue;
            if (!Hypervisor.STOPPED.equals(st)) {
                throw new CmsException(o + " is " + st + " on " + n.host() + ": power it off first ('comet power off "
                        + cluster + " " + o + "'); nothing renamed");
            }
            uris.put(o, uri);
        }
        List<Undo> done = new ArrayList<>();
        Map<String, String> what = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, String> p : plan.entrySet()) {
                String uri = uris.get(p.getKey());
                if (uri == null) {
                    what.put(p.getKey(), "no domain");
                    continue;
                }
                done.add(renameDomain(comet.libvirt().connection(uri), uri, p.getKey(), p.getValue()));
                what.put(p.getKey(), "domain renamed on " + byName.get(p.getKey()).host());
            }
            comet.store().renameNodes(cluster, plan);
            return what;
        } catch (RuntimeException x) {
            List<String> stuck = new ArrayList<>();
            for (int i = done.size() - 1; i >= 0; i--) {
                Undo u = done.get(i);
                try {
                    renameDomain(comet.libvirt().connection(u.uri()), u.uri(), u.to(), u.from());
                } catch (RuntimeException y) {
                    stuck.add(u.to() + " (should be " + u.from() + ")");
                }
            }
            String m = x.getMessage() + (stuck.isEmpty() ? "; nothing renamed" : "; could not rename back: " + String.join(", ", stuck));
            throw new CmsException(m, x);
        }
    }

    /** Renames a shut-off domain: virDomainRename, else undefine + define under the new name (same UUID). */
    static Undo renameDomain(Connect c, String uri, String from, String to) {
        try {
            Domain d = c.domainLookupByName(from);
            try {
                LibvirtNative.rename(d, to);
                return new Undo(uri, from, to, null);
            } catch (LibvirtNative.Failure f) {
                if (!f.unsupported()) throw new CmsException("rename " + from + " to " + to + " on " + uri + ": " + f.getMessage(), f);
                String xml = d.getXMLDesc(2);
                d.undefine();
                try {
                    c.domainDefineXML(withName(xml, to)).free();
                } catch (LibvirtException | RuntimeException y) {
                    c.domainDefineXML(xml).free();
                    throw y;
                }
                return new Undo(uri, from, to, xml);
            } finally {
                d.free();
            }
        } catch (LibvirtException x) {
            throw new CmsException("rename " + from + " to " + to + " on " + uri + " failed: " + x.getMessage(), x);
        }
    }

    static String withName(String xml, String name) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document d = f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
            d.getDocumentElement().getElementsByTagName("name").item(0).setTextContent(name);
            StringWriter w = new StringWriter();
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.transform(new DOMSource(d), new StreamResult(w));
            return w.toString();
        } catch (Exception x) {
            throw new CmsException("cannot rename the domain definition: " + x.getMessage(), x);
        }
    }
}
