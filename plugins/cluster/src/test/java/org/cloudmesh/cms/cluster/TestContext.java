package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.nio.file.Path;
import org.cloudmesh.cms.api.PluginTestContext;

/** A shell for one test of the cluster plugin: see {@link PluginTestContext}. */
final class TestContext extends PluginTestContext {
    TestContext(Path home, String yaml, Object... extensions) throws IOException {
        super(home, yaml, new ClusterPlugin(), extensions);
    }
}
