package org.cloudmesh.cms.vm;

import java.io.IOException;
import java.nio.file.Path;
import org.cloudmesh.cms.api.PluginTestContext;

/** A shell for one test of the vm plugin: see {@link PluginTestContext}. */
final class TestContext extends PluginTestContext {
    TestContext(Path home, String yaml, Object... extensions) throws IOException {
        super(home, yaml, new VmPlugin(), extensions);
    }
}
