package org.cloudmesh.cms.app.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.app.PrivateFiles;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * $CLOUDMESH_HOME/cloudmesh.yaml. Reads give plain Java values; writes edit the YAML node tree, so comments
 * and key order survive, and replace the file atomically. The file holds credentials: it is created 0600 and
 * refused when group or others can read it (as ssh refuses a private key).
 */
public final class ConfigFile implements Config {
    private final Path file;
    private Map<String, Object> data;

    private ConfigFile(Path file) {
        this.file = file;
        reload();
    }

    /** Opens cloudmesh.yaml in home, creating it from the distribution's template on first use. */
    public static ConfigFile open(Path home, Path dist) {
        Path file = home.resolve("cloudmesh.yaml");
        if (!Files.exists(file)) {
            PrivateFiles.createDirectory(home);
            PrivateFiles.writeAtomically(file, template(dist));
        }
        return new ConfigFile(file);
    }

    /** The distribution's cloudmesh.yaml template (conf/ of dist, else the copy in the jar). */
    public static String template(Path dist) {
        try {
            Path t = dist == null ? null : dist.resolve("conf/cloudmesh.yaml");
            if (t != null && Files.isReadable(t)) return Files.readString(t);
            try (InputStream in = ConfigFile.class.getResourceAsStream("/cloudmesh.yaml")) {
                if (in == null) throw new CmsException("the cloudmesh.yaml template is missing from the distribution: reinstall cms");
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new CmsException("cannot read the cloudmesh.yaml template: " + e.getMessage(), e);
        }
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public synchronized void reload() {
        checkPermissions(file);
        data = parse(read(), file.toString());
    }

    private String read() {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new CmsException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses YAML text to a mapping; a syntax error names file, line and column. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parse(String text, String name) {
        try {
            Object o = new Yaml(new LoaderOptions()).load(text);
            if (o == null) return new java.util.LinkedHashMap<>();
            if (!(o instanceof Map)) throw new CmsException(name + ": the top level must be a mapping (key: value)");
            return (Map<String, Object>) o;
        } catch (MarkedYAMLException e) {
            throw new CmsException(where(name, e) + ": " + e.getProblem()
                    + (e.getContext() != null ? " (" + e.getContext() + ")" : ""), e);
        } catch (YAMLException e) {
            throw new CmsException(name + ": " + e.getMessage(), e);
        }
    }

    private static String where(String name, MarkedYAMLException e) {
        Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        return m == null ? name : name + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
    }

    static void checkPermissions(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)
                    || p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new CmsException(file + " holds credentials but is accessible by group or others ("
                        + PosixFilePermissions.toString(p) + "); fix it with: chmod 600 " + file);
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system or not there: the read that follows reports what matters
        }
    }

    /** The whole file as plain values. */
    public synchronized Map<String, Object> root() {
        return data;
    }

    @Override
    public synchronized Optional<Object> get(String path) {
        Object node = data;
        for (String key : path.split("\\.")) {
            if (!(node instanceof Map<?, ?> m) || !m.containsKey(key)) return Optional.empty();
            node = m.get(key);
        }
        return Optional.ofNullable(node);
    }

    @Override
    public synchronized void set(String path, String value) {
        List<String> keys = keys(path);
        MappingNode root = compose();
        MappingNode map = root;
        for (int i = 0; i < keys.size() - 1; i++) {
            Node child = find(map, keys.get(i));
            if (child == null) {
                MappingNode fresh = new MappingNode(Tag.MAP, new ArrayList<>(), DumperOptions.FlowStyle.BLOCK);
                map.getValue().add(new NodeTuple(scalar(keys.get(i), Tag.STR), fresh));
                map = fresh;
            } else if (child instanceof MappingNode m) {
                map = m;
            } else {
                throw new CmsException("cannot set " + path + ": " + String.join(".", keys.subList(0, i + 1))
                        + " is a value, not a section");
            }
        }
        String last = keys.get(keys.size() - 1);
        Node existing = find(map, last);
        if (existing instanceof MappingNode) {
            throw new CmsException("cannot set " + path + ": it is a section; set one of its keys instead");
        }
        ScalarNode node = scalar(value, new Resolver().resolve(NodeId.scalar, value, true));
        replace(map, last, node);
        write(root);
    }

    @Override
    public synchronized void merge(Map<String, Object> fragment) {
        MappingNode root = compose();
        Node add = yaml().represent(fragment);
        if (!(add instanceof MappingNode m)) throw new CmsException("only a mapping can be merged into " + file);
        mergeInto(root, m);
        write(root);
    }

    private static void mergeInto(MappingNode target, MappingNode source) {
        target.setFlowStyle(DumperOptions.FlowStyle.BLOCK); // an empty "{}" in the template grows into a block
        for (NodeTuple t : source.getValue()) {
            String key = ((ScalarNode) t.getKeyNode()).getValue();
            Node old = find(target, key);
            if (old instanceof MappingNode om && t.getValueNode() instanceof MappingNode sm) {
                mergeInto(om, sm);
            } else {
                replace(target, key, t.getValueNode());
            }
        }
    }

    private static List<String> keys(String path) {
        List<String> keys = List.of(path.split("\\.", -1));
        for (String k : keys) {
            if (k.isEmpty()) throw new CmsException("invalid key '" + path + "': use a dotted path such as cloudmesh.profile.user");
        }
        return keys;
    }

    private static Node find(MappingNode map, String key) {
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) return t.getValueNode();
        }
        return null;
    }

    private static void replace(MappingNode map, String key, Node value) {
        List<NodeTuple> tuples = map.getValue();
        for (int i = 0; i < tuples.size(); i++) {
            NodeTuple t = tuples.get(i);
            if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) {
                // keep the comment that sat at the end of the old value's line
                value.setInLineComments(t.getValueNode().getInLineComments());
                value.setEndComments(t.getValueNode().getEndComments());
                tuples.set(i, new NodeTuple(t.getKeyNode(), value));
                return;
            }
        }
        tuples.add(new NodeTuple(scalar(key, Tag.STR), value));
    }

    private static ScalarNode scalar(String value, Tag tag) {
        return new ScalarNode(tag, value, null, null, DumperOptions.ScalarStyle.PLAIN);
    }

    private MappingNode compose() {
        checkPermissions(file);
        String text = read();
        parse(text, file.toString()); // the same clear message for a syntax error
        Node n = yaml().compose(new StringReader(text));
        if (n == null) return new MappingNode(Tag.MAP, new ArrayList<>(), DumperOptions.FlowStyle.BLOCK);
        if (!(n instanceof MappingNode m)) throw new CmsException(file + ": the top level must be a mapping (key: value)");
        return m;
    }

    private void write(MappingNode root) {
        StringWriter w = new StringWriter();
        yaml().serialize(root, w);
        // SnakeYAML indents the blank lines it keeps between sections; keep them blank
        String text = w.toString().replaceAll("(?m)^[ \t]+$", "");
        Map<String, Object> written = parse(text, file.toString()); // never write what would not read back
        PrivateFiles.writeAtomically(file, text);
        data = written;
    }

    private static Yaml yaml() {
        LoaderOptions lo = new LoaderOptions();
        lo.setProcessComments(true);
        DumperOptions d = new DumperOptions();
        d.setProcessComments(true);
        d.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        d.setIndent(2);
        d.setWidth(120);
        return new Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(lo),
                new org.yaml.snakeyaml.representer.Representer(d), d, lo);
    }
}
