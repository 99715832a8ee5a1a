package org.cloudmesh.cms.libvirt;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.cloudmesh.cms.api.CmsException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * Domain XML built and read with the DOM API: values are set as text and attributes, never pasted into markup.
 * cms marks its domains with {@code <metadata><cms:vm xmlns:cms="...">} holding the cloud, image, flavor, key and user.
 */
final class DomainXml {
    static final String NS = "http://cloudmesh.org/cms/vm/1.0";

    record Spec(String type, String name, int vcpus, long memoryMiB, String image, String flavor, String cloud,
                String key, String user, String network, boolean userNetwork) {
    }

    private DomainXml() {
    }

    static String build(Spec s) {
        Document d = newBuilder().newDocument();
        Element domain = d.createElement("domain");
        domain.setAttribute("type", s.type());
        d.appendChild(domain);
        text(d, domain, "name", s.name());
        Element meta = child(d, domain, "metadata");
        Element vm = d.createElementNS(NS, "cms:vm");
        meta.appendChild(vm);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("cloud", s.cloud());
        fields.put("image", s.image());
        fields.put("flavor", s.flavor());
        fields.put("key", s.key());
        fields.put("user", s.user());
        fields.forEach((k, v) -> {
            if (v != null) {
                Element e = d.createElementNS(NS, "cms:" + k);
                e.setTextContent(v);
                vm.appendChild(e);
            }
        });
        Element memory = text(d, domain, "memory", Long.toString(s.memoryMiB()));
        memory.setAttribute("unit", "MiB");
        text(d, domain, "vcpu", Integer.toString(s.vcpus()));
        Element os = child(d, domain, "os");
        Element type = text(d, os, "type", "hvm");
        type.setAttribute("arch", "x86_64");
        child(d, os, "boot").setAttribute("dev", "hd");
        child(d, os, "boot").setAttribute("dev", "cdrom");
        Element devices = child(d, domain, "devices");
        if (s.image() != null && !s.image().equals("none")) {
            boolean iso = s.image().toLowerCase(java.util.Locale.ROOT).endsWith(".iso");
            Element disk = child(d, devices, "disk");
            disk.setAttribute("type", "file");
            disk.setAttribute("device", iso ? "cdrom" : "disk");
            Element driver = child(d, disk, "driver");
            driver.setAttribute("name", "qemu");
            driver.setAttribute("type", iso ? "raw" : "qcow2");
            child(d, disk, "source").setAttribute("file", s.image());
            Element target = child(d, disk, "target");
            target.setAttribute("dev", iso ? "hdc" : "vda");
            target.setAttribute("bus", iso ? "ide" : "virtio");
            if (iso) child(d, disk, "readonly");
            else child(d, disk, "transient"); // the image is shared: each VM's changes are thrown away at power off
        }
        if (s.network() != null) {
            Element nic = child(d, devices, "interface");
            nic.setAttribute("type", "network");
            child(d, nic, "source").setAttribute("network", s.network());
        } else if (s.userNetwork()) {
            child(d, devices, "interface").setAttribute("type", "user");
        }
        return write(d);
    }

    /** The cms metadata of a domain's XML; empty when the domain is not one of ours. */
    static Map<String, String> metadata(String xml) {
        Map<String, String> m = new LinkedHashMap<>();
        Document d = parse(xml);
        NodeList vms = d.getElementsByTagNameNS(NS, "vm");
        if (vms.getLength() == 0) return m;
        NodeList children = vms.item(0).getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node n = children.item(i);
            if (n.getNodeType() == Node.ELEMENT_NODE && NS.equals(n.getNamespaceURI())) m.put(n.getLocalName(), n.getTextContent());
        }
        Element root = d.getDocumentElement();
        m.put("_vcpu", firstText(root, "vcpu"));
        m.put("_memory_mib", memoryMiB(root));
        NodeList macs = root.getElementsByTagName("mac");
        if (macs.getLength() > 0) m.put("_mac", ((Element) macs.item(0)).getAttribute("address"));
        return m;
    }

    /** The domain's {@code <memory>} in MiB: libvirt writes it back in KiB whatever unit it was defined in. */
    private static String memoryMiB(Element root) {
        NodeList l = root.getElementsByTagName("memory");
        if (l.getLength() == 0) return null;
        Element memory = (Element) l.item(0);
        long value = Long.parseLong(memory.getTextContent().strip());
        String unit = memory.getAttribute("unit");
        long bytesPerUnit = switch (unit.isEmpty() ? "KiB" : unit) {
            case "b", "bytes" -> 1;
            case "KB" -> 1000;
            case "k", "KiB" -> 1L << 10;
            case "MB" -> 1000_000;
            case "M", "MiB" -> 1L << 20;
            case "GB" -> 1000_000_000;
            case "G", "GiB" -> 1L << 30;
            default -> throw new IllegalArgumentException("libvirt memory unit " + unit);
        };
        return Long.toString(value * bytesPerUnit >> 20);
    }

    private static String firstText(Element root, String tag) {
        NodeList l = root.getElementsByTagName(tag);
        return l.getLength() == 0 ? null : l.item(0).getTextContent();
    }

    private static Element child(Document d, Element parent, String tag) {
        Element e = d.createElement(tag);
        parent.appendChild(e);
        return e;
    }

    private static Element text(Document d, Element parent, String tag, String value) {
        Element e = child(d, parent, tag);
        e.setTextContent(value);
        return e;
    }

    private static DocumentBuilder newBuilder() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    static Document parse(String xml) {
        try {
            return newBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new CmsException("libvirt returned domain XML that cannot be read: " + e.getMessage());
        }
    }

    private static String write(Document d) {
        try {
            TransformerFactory tf = TransformerFactory.newInstance();
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer t = tf.newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(d), new StreamResult(w));
            return w.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException(e);
        }
    }
}
