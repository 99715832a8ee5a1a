package org.cloudmesh.cms.api.console;

/**
 * Finds the console a link names, when the link is opened (not when it is made: the node may have stopped since).
 * Throws {@link org.cloudmesh.cms.api.CmsException} with the reason shown to the user when there is none to show
 * (the node is off, has no graphics, is gone).
 */
@FunctionalInterface
public interface ConsoleResolver {
    ConsoleTarget resolve(ConsoleLink link);
}
