package org.cloudmesh.cms.api;

import java.util.List;
import org.pf4j.ExtensionPoint;

/**
 * Lines the interactive shell prints before its prompt (for example: a computeset ends in 15 minutes). Asked before
 * every prompt but the first, so an answer must come in milliseconds (a local read; a remote call at most now and
 * then) and must say each thing once; a notice that throws is skipped.
 */
public interface PromptNotice extends ExtensionPoint {
    List<String> notices(Context ctx);
}
