package org.cloudmesh.cms.app.plugins;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import org.cloudmesh.cms.api.CommandPlugin;
import org.pf4j.CompoundPluginDescriptorFinder;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.DevelopmentPluginLoader;
import org.pf4j.ExtensionFinder;
import org.pf4j.JarPluginLoader;
import org.pf4j.LegacyExtensionFinder;
import org.pf4j.ManifestPluginDescriptorFinder;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginDescriptorFinder;
import org.pf4j.PluginLoader;
import org.pf4j.PluginManager;
import org.pf4j.PluginWrapper;
import org.pf4j.PropertiesPluginDescriptorFinder;
import org.pf4j.util.FileUtils;

/**
 * PF4J's manager with two rules that keep a cloud plugin's SDK (dozens of jars) closed until it is used; with
 * them every command starts about 0.08 s sooner (three SDK plugins):
 * <ul>
 * <li>the plugin contract ({@code org.cloudmesh.cms.api}) always comes from the shell: a plugin must see the
 * shell's copy anyway, and looking for it in the plugin first opens every jar of the plugin;</li>
 * <li>a directory plugin's extensions are listed by its own classes ({@code classes/META-INF/extensions.idx}, as
 * scripts/build lays it out), not searched for through all its libraries;</li>
 * <li>the shell's own extensions are listed by the shell's own jars (cms-app, cms-api), not searched for through
 * every jar of its class path;</li>
 * <li>a jar plugin's descriptor is read from its manifest when the jar has no {@code plugin.properties}: PF4J
 * looks for that file first, through a zip file system whose first use scans every jar on the shell's class path
 * for file system providers (about 0.03 s).</li>
 * </ul>
 */
class ShellPluginManager extends DefaultPluginManager {
    static final String CONTRACT = "org.cloudmesh.cms.api.";

    ShellPluginManager(List<Path> roots) {
        super(roots);
    }

    @Override
    protected PluginLoader createPluginLoader() {
        return new CompoundPluginLoader()
                .add(new DevelopmentPluginLoader(this), this::isDevelopment)
                .add(new JarPluginLoader(this) {
                    @Override
                    protected PluginClassLoader createPluginClassLoader(Path path, PluginDescriptor descriptor) {
                        return contractFirst(descriptor);
                    }
                }, this::isNotDevelopment)
                .add(new DefaultPluginLoader(this) {
                    @Override
                    protected PluginClassLoader createPluginClassLoader(Path path, PluginDescriptor descriptor) {
                        return contractFirst(descriptor);
                    }
                }, this::isNotDevelopment);
    }

    @Override
    protected PluginDescriptorFinder createPluginDescriptorFinder() {
        return new JarManifestFirst();
    }

    private PluginClassLoader contractFirst(PluginDescriptor descriptor) {
        return new ContractFirst(this, descriptor, ShellPluginManager.class.getClassLoader());
    }

    @Override
    protected ExtensionFinder createExtensionFinder() {
        OwnIndexFinder finder = new OwnIndexFinder(this);
        addPluginStateListener(finder);
        return finder;
    }

    static final class ContractFirst extends PluginClassLoader {
        ContractFirst(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
            super(manager, descriptor, parent);
        }

        @Override
        protected boolean shouldDelegateToParent(String className) {
            return className.startsWith(CONTRACT) || super.shouldDelegateToParent(className);
        }
    }

    /**
     * PF4J's order (plugin.properties, then the manifest), but a jar without plugin.properties is read once, as a
     * jar, instead of being opened as a zip file system first to look for that file.
     */
    static final class JarManifestFirst extends CompoundPluginDescriptorFinder {
        private final ManifestPluginDescriptorFinder manifest = new ManifestPluginDescriptorFinder();

        JarManifestFirst() {
            add(new PropertiesPluginDescriptorFinder());
            add(manifest);
        }

        @Override
        public PluginDescriptor find(Path path) {
            if (FileUtils.isJarFile(path) && Files.isRegularFile(path)) {
                boolean properties;
                try (JarFile jar = new JarFile(path.toFile())) {
                    properties = jar.getEntry(PropertiesPluginDescriptorFinder.DEFAULT_PROPERTIES_FILE_NAME) != null;
                } catch (IOException e) {
                    properties = true; // let PF4J's finders report what is wrong with it
                }
                if (!properties) return manifest.find(path);
            }
            return super.find(path);
        }
    }

    static final class OwnIndexFinder extends LegacyExtensionFinder {
        OwnIndexFinder(PluginManager manager) {
            super(manager);
        }

        /** The shell's own indexes only: PF4J would ask the class path, which opens every jar on it. */
        @Override
        public Map<String, Set<String>> readClasspathStorages() {
            Set<String> names = new LinkedHashSet<>();
            for (Class<?> own : List.of(ShellPluginManager.class, CommandPlugin.class)) {
                try {
                    URL where = own.getProtectionDomain().getCodeSource().getLocation();
                    Path path = Path.of(where.toURI());
                    if (Files.isDirectory(path)) {
                        Path index = path.resolve(EXTENSIONS_RESOURCE);
                        if (Files.isRegularFile(index)) {
                            try (InputStream in = Files.newInputStream(index)) {
                                read(in, names);
                            }
                        }
                    } else {
                        try (JarFile jar = new JarFile(path.toFile())) {
                            var entry = jar.getEntry(EXTENSIONS_RESOURCE);
                            if (entry != null) {
                                try (InputStream in = jar.getInputStream(entry)) {
                                    read(in, names);
                                }
                            }
                        }
                    }
                } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
                    // as PF4J does with an unreadable index: no extensions from there
                }
            }
            Map<String, Set<String>> result = new LinkedHashMap<>();
            result.put(null, names); // PF4J's key for extensions of the class path
            return result;
        }

        @Override
        public Map<String, Set<String>> readPluginsStorages() {
            Map<String, Set<String>> result = new LinkedHashMap<>();
            for (PluginWrapper p : pluginManager.getPlugins()) {
                Set<String> names = new LinkedHashSet<>();
                Path own = p.getPluginPath().resolve("classes").resolve(EXTENSIONS_RESOURCE);
                try {
                    if (Files.isRegularFile(own)) {
                        try (InputStream in = Files.newInputStream(own)) {
                            read(in, names);
                        }
                    } else if (p.getPluginClassLoader() instanceof PluginClassLoader cl) {
                        for (URL url : Collections.list(cl.findResources(EXTENSIONS_RESOURCE))) {
                            try (InputStream in = url.openStream()) {
                                read(in, names);
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the extensions of plugin " + p.getPluginId(), e);
                }
                result.put(p.getPluginId(), names);
            }
            return result;
        }

        /** The index format of PF4J's annotation processor: a class name a line, '#' starts a comment. */
        private static void read(InputStream in, Set<String> names) throws IOException {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                line = line.strip();
                if (!line.isEmpty() && !line.startsWith("#")) names.add(line);
            }
        }
    }
}
