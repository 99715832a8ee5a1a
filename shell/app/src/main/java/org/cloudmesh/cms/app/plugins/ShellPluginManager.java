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
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.DevelopmentPluginLoader;
import org.pf4j.ExtensionFinder;
import org.pf4j.JarPluginLoader;
import org.pf4j.LegacyExtensionFinder;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
import org.pf4j.PluginManager;
import org.pf4j.PluginWrapper;

/**
 * PF4J's manager with two rules that keep a cloud plugin's SDK (dozens of jars) closed until it is used; with
 * them every command starts about 0.08 s sooner (three SDK plugins):
 * <ul>
 * <li>the plugin contract ({@code org.cloudmesh.cms.api}) always comes from the shell: a plugin must see the
 * shell's copy anyway, and looking for it in the plugin first opens every jar of the plugin;</li>
 * <li>a directory plugin's extensions are listed by its own classes ({@code classes/META-INF/extensions.idx}, as
 * scripts/build lays it out), not searched for through all its libraries.</li>
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

    static final class OwnIndexFinder extends LegacyExtensionFinder {
        OwnIndexFinder(PluginManager manager) {
            super(manager);
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
